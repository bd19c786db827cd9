// The same runs under mpirun, as a user launches them: the workers spread over 1 to 4 processes
// on the loopback give the parameters and metrics of one process without MPI, float for float;
// a run moves between process counts at a checkpoint; the messages that cross carry the bits
// the `bits` column counts; a killed process stops the job and leaves a run that resumes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "runners/pmlab_process.h"

namespace {

using pmlab::testing::Hash;
using pmlab::testing::Metrics;
using pmlab::testing::Outcome;
using pmlab::testing::Pmlab;
using pmlab::testing::ReadFile;

// `pmlab ARGS` on `processes` processes of this machine. The flags let root run it (CI does) and
// let 4 processes share 2 cores.
Outcome Mpirun(int processes, const std::string& args, const std::string& env = "") {
  return Pmlab(args, env + " " + PMLAB_MPIRUN + " --allow-run-as-root --oversubscribe -np " + std::to_string(processes));
}

// A number of summary.json.
double SummaryNumber(const std::filesystem::path& run, const std::string& name) {
  const std::string s = ReadFile(run / "summary.json");
  std::smatch m;
  if (!std::regex_search(s, m, std::regex("\"" + name + "\": ([-0-9.e+]+)"))) return -1;
  return std::stod(m[1]);
}

class MpiCliTest : public pmlab::testing::FolderTest {
 protected:
  MpiCliTest() : FolderTest("mpi") {}
  // `args` for 12 iterations in one process, against the same run moved from 3 processes to 2,
  // to one without MPI, to 4, at checkpoints.
  void ExpectMovesBetweenProcessCounts(const std::string& args) {
    ASSERT_EQ(Pmlab(args + " --iters 12 --out " + Out("whole")).code, 0);
    ASSERT_EQ(Mpirun(3, args + " --iters 4 --out " + Out("moved")).code, 0);
    for (const auto& [processes, iters] : {std::pair{2, 8}, std::pair{0, 10}, std::pair{4, 12}}) {
      const std::string resume = "resume " + Out("moved") + " --iters " + std::to_string(iters) + " --quiet";
      const Outcome o = processes ? Mpirun(processes, resume) : Pmlab(resume);
      ASSERT_EQ(o.code, 0) << o.output;
    }
    EXPECT_EQ(Hash(dir_ / "moved"), Hash(dir_ / "whole"));
    EXPECT_EQ(Metrics(dir_ / "moved"), Metrics(dir_ / "whole"));
  }
  // Runs `args --out NAME` in one process without MPI, then on each count of processes, and
  // expects the same parameters and metrics every time.
  void ExpectSameRun(const std::string& args, std::initializer_list<int> processes) {
    const Outcome plain = Pmlab(args + " --out " + Out("plain"));
    ASSERT_EQ(plain.code, 0) << plain.output;
    ASSERT_FALSE(Hash(dir_ / "plain").empty());
    for (const int p : processes) {
      const std::string name = "np" + std::to_string(p);
      const Outcome o = Mpirun(p, args + " --out " + Out(name));
      ASSERT_EQ(o.code, 0) << o.output;
      EXPECT_EQ(Hash(dir_ / name), Hash(dir_ / "plain")) << p << " processes";
      EXPECT_EQ(Metrics(dir_ / name), Metrics(dir_ / "plain")) << p << " processes";
      EXPECT_EQ(SummaryNumber(dir_ / name, "processes"), p);
    }
  }
};

TEST_F(MpiCliTest, TrainWithTopKAndErrorFeedbackIsTheSameOnOneToFourProcesses) {
  ExpectSameRun("train --workers 10 --batch 16 --hidden 32 --iters 6 --eval-every 3 --compress topk:0.02 --error-feedback ef "
                "--threads 1 --quiet",
                {1, 2, 3, 4});
}

TEST_F(MpiCliTest, AdaptiveServersAndPpoRoundsAreTheSameOnSeveralProcesses) {
  ExpectSameRun("train --workers 6 --batch 16 --hidden 32 --iters 6 --eval-every 3 --compress topk:0.05 --server adam --lr 0.003 "
                "--threads 1 --quiet",
                {2, 3});
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  ExpectSameRun("rl --env CartPole-v1 --workers 4 --iters 4 --server rmsprop --lr 0.003 --threads 1 --quiet", {2});
  // PPO's rounds of several steps, with the KL stop deciding at the server for every process.
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  ExpectSameRun("rl --env CartPole-v1 --workers 3 --iters 4 --steps-per-worker 64 --episodes-per-worker 2 --estimator ppo --epochs 3 "
                "--minibatches 4 --target-kl 0.002 --server adam --lr 0.003 --threads 1 --quiet",
                {2, 3});
}

TEST_F(MpiCliTest, TheMessagesThatCrossAreTheBitsColumnPlusAHeader) {
  // 8 workers on 4 processes: the server runs 2, so 6 workers' messages cross each round.
  for (const std::string compress : {"topk:0.02", "randk:0.01", "sign", "qsgd:4", "none"}) {
    const std::string name = "wire-" + compress.substr(0, compress.find(':'));
    const Outcome o = Mpirun(4, "train --workers 8 --batch 8 --hidden 16 --iters 3 --eval-every 0 --compress " + compress +
                                    " --quiet --out " + Out(name));
    ASSERT_EQ(o.code, 0) << o.output;
    const double bits = SummaryNumber(dir_ / name, "wire_message_bits");
    const double bytes = SummaryNumber(dir_ / name, "wire_message_bytes");
    const double messages = 6 * 3;
    // bits_total counts all 8 workers; 6 of them are remote.
    EXPECT_DOUBLE_EQ(bits, SummaryNumber(dir_ / name, "bits_total") * 6 / 8) << compress;
    EXPECT_GE(bytes, bits / 8) << compress;
    EXPECT_LE(bytes, bits / 8 + messages * 10) << compress;  // a byte of rounding and 9 of header each
  }
}

TEST_F(MpiCliTest, MetaAndRlAreTheSameOnSeveralProcesses) {
  ExpectSameRun("meta --task sine --workers 5 --iters 15 --threads 1 --quiet", {2, 3});
  // Observation statistics and the value fit are merged from every worker's slot.
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  ExpectSameRun("rl --env CartPole-v1 --workers 5 --iters 5 --normalize-observations true --threads 1 --quiet", {2, 4});
  // Meta-RL's curvature estimators, and the exact bias measurement of the tabular family.
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  ExpectSameRun("meta --task 'TabularMdp(states=2,actions=2,horizon=3)' --algo promp --hidden none --workers 4 --meta-batch 4 "
                "--inner-episodes 2 --inner-lr 0.5 --iters 4 --measure-bias-every 2 --bias-reference-tasks 16 --threads 1 --quiet",
                {2, 3});
}

TEST_F(MpiCliTest, ARunMovesBetweenProcessCountsAtACheckpoint) {
  ExpectMovesBetweenProcessCounts("train --workers 9 --batch 16 --hidden 32 --eval-every 0 --compress topk:0.05 --error-feedback ef "
                                  "--checkpoint-every 2 --quiet");
}

TEST_F(MpiCliTest, PersistentEnvironmentsMoveBetweenProcessCountsInMidEpisode) {
  // Each worker's episodes in progress travel to the server in the checkpoint and are replayed
  // by whichever process runs the worker next.
  ExpectMovesBetweenProcessCounts(
      "rl --env LunarLander-v3 --workers 3 --episodes-per-worker 2 --steps-per-worker 60 --persistent-envs true --estimator ppo "
      "--epochs 2 --minibatches 2 --server adam --lr 0.001 --checkpoint-every 2 --eval-every 0 --threads 1 --quiet");
}

TEST_F(MpiCliTest, AKilledProcessStopsTheJobAndTheRunResumes) {
  const std::string args = "rl --env CartPole-v1 --workers 4 --iters 30 --checkpoint-every 10 --threads 1 --quiet";
  ASSERT_EQ(Pmlab(args + " --out " + Out("whole")).code, 0);
  // Process 1 is killed (SIGKILL, as by the OOM killer) right after the checkpoint of iteration 10.
  const std::string cmd = args + " --out " + Out("killed");
  const Outcome o = Pmlab(cmd + " : -np 1 env PMLAB_CRASH_AT=after-checkpoint " + PMLAB_BINARY + " " + cmd,
                          std::string("timeout 120 ") + PMLAB_MPIRUN + " --allow-run-as-root --oversubscribe -np 1");
  EXPECT_NE(o.code, 0);
  EXPECT_NE(o.code, 124) << "the job hung until the timeout:\n" << o.output;
  EXPECT_NE(o.output.find("rank 1"), std::string::npos) << o.output;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "killed" / "checkpoints" / "ckpt-000010.pmlab"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "killed" / "summary.json"));
  const Outcome resumed = Mpirun(2, "resume " + Out("killed") + " --quiet");
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  EXPECT_EQ(Hash(dir_ / "killed"), Hash(dir_ / "whole"));
}

TEST_F(MpiCliTest, CtrlCUnderMpirunCheckpointsAndStops) {
  // mpirun turns Ctrl-C into SIGTERM for every process; they agree on the round to stop at.
  const std::string script = "exec 2>&1; " + std::string(PMLAB_MPIRUN) + " --allow-run-as-root --oversubscribe -np 2 " + PMLAB_BINARY +
                             " rl --env CartPole-v1 --workers 4 --iters 1000000 --checkpoint-every 50 --threads 1 --quiet --out " +
                             Out("stopped") + " & job=$!; " + "for i in $(seq 600); do [ -e " + Out("stopped") +
                             "/checkpoints/ckpt-000050.pmlab ] && break; sleep 0.1; done; kill -INT $job; wait $job";
  const Outcome o = pmlab::testing::Shell(script);
  EXPECT_NE(o.output.find("stopped by signal"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("pmlab resume"), std::string::npos) << o.output;
  std::smatch stopped_at;
  ASSERT_TRUE(std::regex_search(o.output, stopped_at, std::regex("after iteration ([0-9]+)"))) << o.output;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "stopped" / "checkpoints" /
                                      ("ckpt-" + std::string(6 - stopped_at[1].length(), '0') + stopped_at[1].str() + ".pmlab")));
  const Outcome resumed = Pmlab("resume " + Out("stopped") + " --iters " + std::to_string(std::stoi(stopped_at[1]) + 5) + " --quiet");
  ASSERT_EQ(resumed.code, 0) << resumed.output;
}

TEST_F(MpiCliTest, CommandsOfOneProcessRefuseMpirun) {
  const Outcome o = Mpirun(2, "envs");
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.output.find("start it without mpirun"), std::string::npos) << o.output;
}

TEST_F(MpiCliTest, AnErrorInTheServerStopsTheJob) {
  std::filesystem::create_directories(dir_ / "taken");
  std::ofstream(dir_ / "taken" / "notes.txt") << "someone else's\n";
  const Outcome o = Pmlab("train --problem quadratic --iters 5 --quiet --out " + Out("taken"),
                          std::string("timeout 120 ") + PMLAB_MPIRUN + " --allow-run-as-root --oversubscribe -np 3");
  EXPECT_NE(o.code, 0);
  EXPECT_NE(o.code, 124) << "the job hung until the timeout:\n" << o.output;
  EXPECT_NE(o.output.find("exists and is not empty"), std::string::npos) << o.output;
}

}  // namespace
