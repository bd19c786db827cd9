#pragma once
// N-way K-shot classification built from a labelled image set (Fashion-MNIST): a task is N
// distinct classes drawn from an allowed set, in a random order that defines its labels
// 0..N-1; its points are images of those classes, K per class in the support set and Q per
// class in the query set, drawn without replacement. Meta-training uses the training split,
// meta-testing the test split, optionally with disjoint class sets.
#include <memory>
#include <vector>

#include "core/nn/image_dataset.h"
#include "metalearn/task_family.h"

namespace pmlab::metalearn {

class FewShotImageTasks final : public TaskFamily {
 public:
  /// Throws std::invalid_argument when `classes` holds fewer than `ways` classes, names a class
  /// the data lack, or a class has fewer images than a set needs.
  FewShotImageTasks(std::shared_ptr<const core::ImageDataset> data, std::vector<int> classes, int ways, TaskSizes sizes);

  int Inputs() const override { return data_->features(); }
  int Outputs() const override { return ways_; }
  core::LossHead Head() const override { return core::LossHead::kSoftmaxCrossEntropy; }
  /// task = the N classes, label j being class task(j)
  void DrawTask(core::Rng& rng, Eigen::VectorXd& task) const override;
  void DrawPoints(const Eigen::VectorXd& task, int count, core::Rng& rng, core::Matrix& inputs,
                  core::Matrix& targets) const override;

 private:
  std::shared_ptr<const core::ImageDataset> data_;
  std::vector<int> classes_;
  int ways_;
  std::vector<std::vector<std::int32_t>> images_of_;  // per class label: its images
};

/// "7,8,9" -> {7, 8, 9}; throws std::invalid_argument naming the format.
std::vector<int> ParseClassList(const std::string& spec);

}  // namespace pmlab::metalearn
