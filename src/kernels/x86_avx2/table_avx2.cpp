// The AVX2+FMA entries of the kernel table: the direct dot kernels of every weight type
// (x86_dot_blocks.h, x86_dot_kquants.h, compiled here with AVX2 flags) and the vector ops.
#include "kernels/table.h"
#include "kernels/x86_direct_register.h"
#include "kernels/x86_vector_ops.h"

namespace owl::kernels {

void fill_avx2(KernelTable& t) {
  register_direct(t);
  register_vector_ops(t);
}

}  // namespace owl::kernels
