#include "runtime/thread_scratch.h"

#include <stdexcept>

namespace recurrent {
namespace {

constexpr int64_t kLargestKept = (int64_t(64) << 20) / sizeof(float);

struct Kept {
  std::unique_ptr<float[]> data;
  int64_t size = 0;
};

thread_local Kept kept[ThreadScratch::kSlots];

}  // namespace

ThreadScratch::ThreadScratch(int slot, int64_t n) {
  if (slot < 0 || slot >= kSlots) throw std::logic_error("ThreadScratch: no such slot");
  if (n < 1) n = 1;
  if (n > kLargestKept) {
    own_.reset(new float[static_cast<size_t>(n)]);
    data_ = own_.get();
    return;
  }
  Kept& k = kept[slot];
  if (k.size < n) {
    k.data.reset();  // the old buffer goes first: both at once may not fit
    k.size = 0;
    k.data.reset(new float[static_cast<size_t>(n)]);
    k.size = n;
  }
  data_ = k.data.get();
}

}  // namespace recurrent
