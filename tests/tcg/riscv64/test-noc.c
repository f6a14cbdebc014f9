/* Without C (-cpu rv64,c=off): compressed encodings are illegal and jumps to
 * 2-byte aligned targets raise instruction-address-misaligned (spec 2.5). */
#include "test.h"

/* Skip the 4-byte slot holding the two 16-bit parcels (the default handler
 * would step 2 bytes, to an address a hart without C cannot return to). */
static bool skip_slot(Frame *f, uint64_t cause, uint64_t tval, int mode)
{
    if (cause == 2) {
        f->epc += 4;
        return true;
    }
    return false;
}

int main(void)
{
    uint64_t target, misa = csr_read(misa);

    CHECK_EQ(misa & (1 << ('C' - 'A')), 0);
    /* a 16-bit encoding is an illegal instruction; mtval holds its 16 bits */
    trap_hook = skip_slot;
    CHECK_TRAP(__asm__ volatile(".2byte 0x4501\n .2byte 0x0001"), 2, 0x4501);
    trap_hook = 0;
    /* jalr to pc + 2: misaligned, the jump does not happen (epc = the jalr) */
    __asm__ volatile("la %0, 1f + 2" : "=r"(target));
    CHECK_TRAP(__asm__ volatile("jalr zero, 0(%0)\n 1: nop\n nop" :: "r"(target)), 0, target);
    /*
     * A taken branch to a misaligned target traps; a not-taken one does not.
     * (mtval should be the target, as Tern reports; QEMU 7.2 stores a stale
     * pc for branches and jal, so only the cause is checked.)
     */
    int n = last_trap.count;
    __asm__ volatile("beq zero, zero, 1f + 2\n 1: nop\n nop");
    CHECK_EQ(last_trap.count, n + 1);
    CHECK_EQ(last_trap.cause, 0);
    CHECK_NO_TRAP(__asm__ volatile("bne zero, zero, 1f + 2\n 1: nop\n nop"));
    __asm__ volatile("jal zero, 1f + 2\n 1: nop\n nop");
    CHECK_EQ(last_trap.count, n + 2);
    CHECK_EQ(last_trap.cause, 0);
    return 0;
}
