/*
 * The generic loader, -device loader,... (QEMU's docs/system/generic-loader):
 *   file=F[,addr=A][,force-raw=on]  load an ELF at its addresses, or any
 *                                   other file (or force-raw) as is at A
 *   data=V,data-len=N,addr=A[,data-be=on]   store an N-byte value at A
 *   cpu-num=C                        set CPU C's pc to the ELF entry / A
 * What it loads is registered with the ROM list, so it is reloaded at reset.
 */
#include "tern/osdep.h"
#include "hw/qdev.h"
#include "hw/loader.h"
#include "hw/core/cpu.h"
#include "sysemu/runstate.h"

#define TYPE_GENERIC_LOADER "loader"
#define NO_CPU UINT32_MAX

typedef struct GenericLoaderState {
    DeviceState parent_obj;
    char *file;
    uint64_t addr;
    uint64_t data;
    uint8_t data_len;
    bool data_be;
    bool force_raw;
    uint32_t cpu_num;
    uint64_t entry;       /* pc for cpu-num */
} GenericLoaderState;

static void loader_set_pc(void *opaque)
{
    GenericLoaderState *s = opaque;
    CPUState *cpu = cpu_by_index(s->cpu_num);

    cpu->cc->set_pc(cpu, s->entry);
}

static bool load_file(GenericLoaderState *s, GError **errp)
{
    if (!s->force_raw && file_is_elf(s->file)) {
        ElfInfo info;

        /* machine 0: accept the ELF's own machine */
        if (!load_elf(s->file, 0, 0, &info, errp)) {
            return false;
        }
        s->entry = info.entry;
        return true;
    }
    s->entry = s->addr;
    return rom_add_file(s->file, s->addr, UINT64_MAX - s->addr, errp);
}

static bool loader_realize(DeviceState *dev, GError **errp)
{
    GenericLoaderState *s = container_of(dev, GenericLoaderState, parent_obj);

    if (s->data_len) {
        uint8_t bytes[8];

        if (s->file || s->data_len > 8) {
            error_setg(errp, "data-len=%u: must be 1..8, without file=",
                       s->data_len);
            return false;
        }
        for (unsigned i = 0; i < s->data_len; i++) {
            unsigned shift = 8 * (s->data_be ? s->data_len - 1 - i : i);
            bytes[i] = s->data >> shift;
        }
        rom_add_blob("loader-data", bytes, s->data_len, s->addr);
        s->entry = s->addr;
    } else if (s->file) {
        if (!load_file(s, errp)) {
            return false;
        }
    } else if (s->cpu_num == NO_CPU) {
        error_setg(errp, "give file=, data= with data-len=, or cpu-num=");
        return false;
    } else {
        s->entry = s->addr;
    }
    if (s->cpu_num != NO_CPU) {
        if (!cpu_by_index(s->cpu_num)) {
            error_setg(errp, "cpu-num=%u: no such CPU", s->cpu_num);
            return false;
        }
        qemu_register_reset(loader_set_pc, s);
    }
    return true;
}

static const Property loader_props[] = {
    DEFINE_PROP_STRING("file", GenericLoaderState, file),
    DEFINE_PROP_UINT64("addr", GenericLoaderState, addr, 0),
    DEFINE_PROP_UINT64("data", GenericLoaderState, data, 0),
    DEFINE_PROP_UINT8("data-len", GenericLoaderState, data_len, 0),
    DEFINE_PROP_BOOL("data-be", GenericLoaderState, data_be, false),
    DEFINE_PROP_BOOL("force-raw", GenericLoaderState, force_raw, false),
    DEFINE_PROP_UINT32("cpu-num", GenericLoaderState, cpu_num, NO_CPU),
    DEFINE_PROP_END_OF_LIST(),
};

static const DeviceClass loader_class = {
    .name = TYPE_GENERIC_LOADER,
    .desc = "load a file or a value into guest memory",
    .category = "misc",
    .instance_size = sizeof(GenericLoaderState),
    .user_creatable = true,
    .props = loader_props,
    .realize = loader_realize,
};

static void loader_register(void)
{
    device_class_register(&loader_class);
}
type_init(loader_register)
