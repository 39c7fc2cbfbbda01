// The AVX2+FMA entries of the kernel table.
#include "kernels/table.h"

namespace owl::kernels {

void fill_avx2(KernelTable& t) { (void)t; }

}  // namespace owl::kernels
