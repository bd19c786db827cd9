#include "metalearn/fewshot_image_tasks.h"

#include <gtest/gtest.h>

#include <set>

namespace pmlab::metalearn {
namespace {

// A tiny labelled image set: image i has label i % classes and its first pixel encodes i, so a
// batch column tells which image it holds.
std::shared_ptr<const core::ImageDataset> Synthetic(int classes, int per_class) {
  auto data = std::make_shared<core::ImageDataset>();
  data->rows = 1;
  data->cols = 2;
  data->classes = classes;
  for (int i = 0; i < classes * per_class; ++i) {
    data->labels.push_back(static_cast<std::uint8_t>(i % classes));
    data->pixels.push_back(static_cast<std::uint8_t>(i));
    data->pixels.push_back(0);
  }
  return data;
}

int ImageOf(const core::Matrix& inputs, core::Index column) {
  return static_cast<int>(std::lround((inputs(0, column) + 1.0f) * 255.0f / 2.0f));
}

TEST(FewShotImageTasksTest, TasksAreDistinctClassesWithOneHotLabelsAndDistinctImages) {
  const auto data = Synthetic(6, 40);
  const std::vector<int> allowed = {0, 2, 3, 5};
  FewShotImageTasks family(data, allowed, 3, {4, 7, 0});
  EXPECT_EQ(family.Inputs(), 2);
  EXPECT_EQ(family.Outputs(), 3);
  core::Rng rng(3);
  TaskBatch<float> batch;
  std::set<int> seen_first;
  for (int draw = 0; draw < 200; ++draw) {
    family.Sample(rng, batch);
    ASSERT_EQ(batch.task.size(), 3);
    std::set<int> classes(batch.task.data(), batch.task.data() + 3);
    EXPECT_EQ(classes.size(), 3u);
    for (int c : classes) EXPECT_NE(std::find(allowed.begin(), allowed.end(), c), allowed.end()) << c;
    seen_first.insert(static_cast<int>(batch.task(0)));
    ASSERT_EQ(batch.support_inputs.cols(), 12);
    ASSERT_EQ(batch.query_inputs.cols(), 21);
    for (const auto* set : {&batch.support_inputs, &batch.query_inputs}) {
      const core::Matrix& targets = set == &batch.support_inputs ? batch.support_targets : batch.query_targets;
      std::set<int> images;
      for (core::Index j = 0; j < set->cols(); ++j) {
        const int image = ImageOf(*set, j);
        images.insert(image);
        core::Index label = 0;
        EXPECT_FLOAT_EQ(targets.col(j).maxCoeff(&label), 1.0f);
        EXPECT_FLOAT_EQ(targets.col(j).sum(), 1.0f);
        EXPECT_EQ(image % 6, static_cast<int>(batch.task(label))) << "column " << j;
      }
      EXPECT_EQ(images.size(), static_cast<std::size_t>(set->cols()));  // drawn without replacement
    }
  }
  EXPECT_EQ(seen_first.size(), allowed.size());  // every allowed class comes up as label 0
}

TEST(FewShotImageTasksTest, LargeSetsUseEveryImageOfTheClassOnce) {
  // 40 images per class and 30 per set: the selection-sampling path.
  FewShotImageTasks family(Synthetic(4, 40), {0, 1, 2, 3}, 2, {30, 40, 0});
  core::Rng rng(8);
  TaskBatch<float> batch;
  family.Sample(rng, batch);
  std::set<int> query;
  for (core::Index j = 0; j < batch.query_inputs.cols(); ++j) query.insert(ImageOf(batch.query_inputs, j));
  EXPECT_EQ(query.size(), 80u);
}

TEST(FewShotImageTasksTest, RefusesImpossibleSetups) {
  const auto data = Synthetic(4, 10);
  EXPECT_THROW(FewShotImageTasks(data, {0, 1, 2}, 5, {1, 1, 0}), std::invalid_argument);   // ways > classes
  EXPECT_THROW(FewShotImageTasks(data, {0, 1, 7}, 2, {1, 1, 0}), std::invalid_argument);   // class not in the data
  EXPECT_THROW(FewShotImageTasks(data, {0, 1}, 2, {11, 1, 0}), std::invalid_argument);     // more shots than images
  EXPECT_THROW(FewShotImageTasks(data, {0, 1}, 2, {0, 1, 0}), std::invalid_argument);      // K = 0
  EXPECT_EQ(ParseClassList("7,8,9"), (std::vector<int>{7, 8, 9}));
  for (const char* bad : {"", "7,,8", "7,8,", "a", "7,7", "-1", "300"}) EXPECT_THROW(ParseClassList(bad), std::invalid_argument) << bad;
}

}  // namespace
}  // namespace pmlab::metalearn
