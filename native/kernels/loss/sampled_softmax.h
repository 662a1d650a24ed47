// Sampled softmax (TensorFlow's tf.nn.sampled_softmax_loss with num_true = 1 and
// subtract_log_q): for a softmax output over V classes trained on class ids, each step
// scores only the row's own class and S sampled classes shared by the whole batch,
//   z_0 = logit(x_r, label_r) - log Q(label_r)
//   z_j = logit(x_r, sampled_j) - log Q(sampled_j),  j = 1..S
//   l_r = logsumexp(z) - z_0
// where Q(c) is the expected number of times the sampler draws c in this step (the
// sampler: graph/log_uniform_sampler.h). With remove_accidental_hits a sampled class
// equal to the row's label is left out of the row's sum (TensorFlow adds -FLT_MAX to its
// logit: the same thing). Row weights and the count are those of the full loss (loss.h):
// the sum is sum_r w_r l_r and the gradient is scaled by w_r / count times the loss weight.
// The op is Backend::sampled_softmax_loss; the logits come from the Dense output layer
// (graph/dense_layer.cc), which also takes the gradients back to its weights.
#pragma once
#include <cstdint>

namespace recurrent {

// Device pointers of the backend the op runs on. R rows, S samples.
struct SampledLogits {
  const float* true_logits = nullptr;     // [R] logit(x_r, label_r)
  const float* sampled_logits = nullptr;  // [R, S] logit(x_r, sampled_j)
  const int32_t* labels = nullptr;        // [R]
  const int32_t* sampled = nullptr;       // [S] distinct class ids
  const float* true_log_q = nullptr;      // [R] log Q(label_r)
  const float* sampled_log_q = nullptr;   // [S] log Q(sampled_j)
  const float* row_weight = nullptr;      // [R]
  int64_t rows = 0, samples = 0;
  bool remove_accidental_hits = true;
  double count = 0;
  double gradient_scale = 1.0;
};

}  // namespace recurrent
