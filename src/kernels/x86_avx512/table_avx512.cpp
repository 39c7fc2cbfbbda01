// The AVX-512 entries of the kernel table: the direct kernels (x86_dot_*.h compiled with AVX-512
// VNNI) for few tokens on mmap'd weights, and the panel kernels for packed weights and prompts.
#include "kernels/table.h"
#include "kernels/x86_direct_register.h"
#include "kernels/x86_vector_ops.h"

namespace owl::kernels {
namespace avx512 {
void register_panel_int8(KernelTable& t);
void register_panel_float(KernelTable& t);
}  // namespace avx512

void fill_avx512(KernelTable& t) {
  register_direct(t);
  register_vector_ops(t);
  avx512::register_panel_int8(t);
  avx512::register_panel_float(t);
}

}  // namespace owl::kernels
