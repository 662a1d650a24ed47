// The mask of a merge of values with one time axis (Keras merge layers): the AND of the
// inputs' masks, an input without one counting as all valid. No mask when no input has
// one; the one mask itself (no copy) when only one has.
#pragma once
#include <vector>

#include "graph/value.h"
#include "kernels/backend.h"

namespace recurrent {
namespace graph {

// rows: B * T, the masks' elements.
inline void and_masks(Backend& be, const std::vector<Value*>& in, Value* out, int64_t rows) {
  std::vector<const uint8_t*> masks;
  for (const Value* v : in)
    if (v->mask) masks.push_back(v->mask);
  if (masks.size() <= 1) {
    out->mask = masks.empty() ? nullptr : masks[0];
    return;
  }
  uint8_t* m = out->mask_storage.ensure(rows);
  be.mask_and(masks[0], masks[1], m, rows);
  for (size_t i = 2; i < masks.size(); ++i) be.mask_and(m, masks[i], m, rows);
  out->mask = m;
}

}  // namespace graph
}  // namespace recurrent
