#include "metalearn/fewshot_image_tasks.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/opt/sampling.h"
#include "supervised/image_batch.h"

namespace pmlab::metalearn {

std::vector<int> ParseClassList(const std::string& spec) {
  std::vector<int> classes;
  std::stringstream in(spec);
  std::string item;
  while (std::getline(in, item, ',')) {
    std::size_t used = 0;
    int c = -1;
    try {
      c = std::stoi(item, &used);
    } catch (const std::exception&) {
    }
    if (used == 0 || used != item.size() || c < 0 || c > 255)
      throw std::invalid_argument("'" + spec + "' must be class labels from 0 to 255 separated by commas, e.g. 7,8,9");
    if (std::find(classes.begin(), classes.end(), c) != classes.end())
      throw std::invalid_argument("'" + spec + "' names class " + item + " twice");
    classes.push_back(c);
  }
  if (classes.empty() || spec.back() == ',') throw std::invalid_argument("'" + spec + "' is not a list of classes such as 7,8,9");
  return classes;
}

FewShotImageTasks::FewShotImageTasks(std::shared_ptr<const core::ImageDataset> data, std::vector<int> classes, int ways,
                                     TaskSizes sizes)
    : TaskFamily(sizes), data_(std::move(data)), classes_(std::move(classes)), ways_(ways) {
  if (ways < 2) throw std::invalid_argument("--ways: a classification task needs at least 2 classes");
  if (static_cast<int>(classes_.size()) < ways)
    throw std::invalid_argument("--ways: " + std::to_string(ways) + " classes per task, but only " +
                                std::to_string(classes_.size()) + " classes are available here");
  images_of_.resize(static_cast<std::size_t>(data_->classes));
  for (std::int32_t i = 0; i < static_cast<std::int32_t>(data_->size()); ++i)
    images_of_[data_->labels[static_cast<std::size_t>(i)]].push_back(i);
  const int needed = std::max({sizes.support, sizes.query, sizes.hessian});
  for (int c : classes_) {
    if (c >= data_->classes) throw std::invalid_argument("class " + std::to_string(c) + " does not occur in the data");
    if (static_cast<int>(images_of_[static_cast<std::size_t>(c)].size()) < needed)
      throw std::invalid_argument("class " + std::to_string(c) + " has " + std::to_string(images_of_[static_cast<std::size_t>(c)].size()) +
                                  " images, fewer than the " + std::to_string(needed) + " a set needs");
  }
}

void FewShotImageTasks::DrawTask(core::Rng& rng, Eigen::VectorXd& task) const {
  task.resize(ways_);
  // N distinct classes in a uniformly random order: rejection is cheap for N <= 10 of 10.
  for (int j = 0; j < ways_; ++j) {
    bool fresh = false;
    while (!fresh) {
      task(j) = classes_[rng.Below(classes_.size())];
      fresh = std::find(task.data(), task.data() + j, task(j)) == task.data() + j;
    }
  }
}

void FewShotImageTasks::DrawPoints(const Eigen::VectorXd& task, int count, core::Rng& rng, core::Matrix& inputs,
                                   core::Matrix& targets) const {
  inputs.resize(data_->features(), static_cast<core::Index>(count) * ways_);
  targets.setZero(ways_, static_cast<core::Index>(count) * ways_);
  core::Index column = 0;
  const auto take = [&](std::int32_t image, int label) {
    supervised::NormalizeImage(*data_, image, inputs.col(column).data());
    targets(label, column++) = 1.0f;
  };
  // Chosen positions within a class; per thread, so that it grows once and is reused.
  thread_local std::vector<core::Index> picked;
  for (int label = 0; label < ways_; ++label) {
    const auto& images = images_of_[static_cast<std::size_t>(task(label))];
    const auto n = static_cast<core::Index>(images.size());
    if (static_cast<core::Index>(count) * count <= n) {
      // Floyd's algorithm: a uniform set of `count` positions in O(count^2).
      picked.clear();
      for (core::Index j = n - count; j < n; ++j) {
        const auto t = static_cast<core::Index>(rng.Below(static_cast<std::uint64_t>(j + 1)));
        picked.push_back(std::find(picked.begin(), picked.end(), t) == picked.end() ? t : j);
      }
      for (core::Index position : picked) take(images[static_cast<std::size_t>(position)], label);
    } else {
      core::SelectionSample(n, count, rng, [&](core::Index position, bool chosen) {
        if (chosen) take(images[static_cast<std::size_t>(position)], label);
      });
    }
  }
}

}  // namespace pmlab::metalearn
