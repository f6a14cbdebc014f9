/* Loading guest software (firmware, kernels, initrds, ELF programs) into guest memory. */
#ifndef HW_LOADER_H
#define HW_LOADER_H

#include "tern/osdep.h"
#include "exec/memory.h"

/* Size of a file, or -1 with an error naming it. */
int64_t get_image_size(const char *filename, GError **errp);

/* Copy a whole file to guest physical addr; max_size bounds it (error if larger).
 * Returns the size loaded or -1. */
int64_t load_image_targphys(const char *filename, hwaddr addr, uint64_t max_size,
                            GError **errp);

typedef struct ElfInfo {
    uint64_t entry;
    uint64_t lowaddr, highaddr;    /* physical range [low, high) covered by PT_LOAD segments */
    int machine;                   /* e_machine */
    bool is64;
} ElfInfo;

/* True if the file starts with the ELF magic. */
bool file_is_elf(const char *filename);

/*
 * Load the PT_LOAD segments of an ELF file at their physical addresses (plus
 * offset), zero-filling bss. Checks the class, endianness and machine (e.g.
 * EM_RISCV = 243), and that every segment lies in RAM/ROM. Returns false with
 * an error naming the file and the problem, having loaded nothing. The entry
 * (e_entry, a virtual address) is moved to its physical address when it lies
 * in an executable segment whose p_paddr differs from p_vaddr, as QEMU does.
 */
bool load_elf(const char *filename, int expected_machine, int64_t offset,
              ElfInfo *info, GError **errp);

/* Registered blobs are (re)written into guest memory at every machine reset,
 * like QEMU's rom list, so firmware survives a guest reboot. */
void rom_add_blob(const char *name, const void *data, size_t len, hwaddr addr);
bool rom_add_file(const char *filename, hwaddr addr, uint64_t max_size, GError **errp);
/* Copy all registered blobs into guest memory (called at reset). Everything
 * the functions above load is registered, and also written at once. */
void rom_reset_all(void);
/* Forget all registered blobs (machine teardown, tests). */
void rom_free_all(void);

#endif
