// The AVX-512 entries of the kernel table.
#include "kernels/table.h"

namespace owl::kernels {

void fill_avx512(KernelTable& t) { (void)t; }

}  // namespace owl::kernels
