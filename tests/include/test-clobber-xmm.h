/*
 * Helpers called from generated code in unit tests: C code may use any
 * xmm register (all are call-clobbered), so they make sure they do.
 */
#ifndef TEST_CLOBBER_XMM_H
#define TEST_CLOBBER_XMM_H

static inline void test_clobber_xmm(void)
{
    __asm__ volatile("pcmpeqd %%xmm0, %%xmm0; pcmpeqd %%xmm1, %%xmm1; pcmpeqd %%xmm2, %%xmm2;"
                     "pcmpeqd %%xmm3, %%xmm3; pcmpeqd %%xmm4, %%xmm4; pcmpeqd %%xmm5, %%xmm5;"
                     "pcmpeqd %%xmm6, %%xmm6; pcmpeqd %%xmm7, %%xmm7; pcmpeqd %%xmm8, %%xmm8;"
                     "pcmpeqd %%xmm9, %%xmm9; pcmpeqd %%xmm10, %%xmm10; pcmpeqd %%xmm11, %%xmm11;"
                     "pcmpeqd %%xmm12, %%xmm12; pcmpeqd %%xmm13, %%xmm13;"
                     "pcmpeqd %%xmm14, %%xmm14; pcmpeqd %%xmm15, %%xmm15"
                     ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
                     "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

#endif
