// Scratch memory of an op, kept on the calling thread for its next call. A training step
// runs the layer op for every layer with the same shapes step after step; fresh buffers of
// tens of megabytes cost a page fault per 4 KiB every time (8% of an LSTM layer's step).
// Slot s of a thread holds one buffer: an op gives each buffer it uses at the same time a
// slot of its own. Buffers above 64 MiB are not kept.
#pragma once
#include <cstdint>
#include <memory>

namespace recurrent {

class ThreadScratch {
 public:
  static constexpr int kSlots = 10;
  // At least n floats, not initialized, valid while this object lives.
  ThreadScratch(int slot, int64_t n);
  ThreadScratch(const ThreadScratch&) = delete;
  ThreadScratch& operator=(const ThreadScratch&) = delete;
  float* get() const { return data_; }

 private:
  std::unique_ptr<float[]> own_;  // a buffer too large to keep
  float* data_;
};

}  // namespace recurrent
