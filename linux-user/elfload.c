/*
 * Loading a riscv64 ELF program (static or dynamic, PIE or not) and its
 * interpreter into the guest address space, and building the initial stack:
 * argc, argv, envp, auxv (System V ABI, RISC-V psABI "Program Loading").
 */
#include "tern/osdep.h"
#include <elf.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "user-internal.h"

#define ELF_ET_DYN_BASE  0x2aaaaaa000ull    /* 2/3 of the Sv39 user space, as Linux */
#define MAX_PHDRS 64

typedef struct LoadedElf {
    uint64_t bias, entry, phdr, brk;
    uint16_t phnum;
    char *interp;               /* PT_INTERP path, or NULL */
} LoadedElf;

static bool read_full(int fd, void *buf, size_t len, off_t off)
{
    return pread(fd, buf, len, off) == (ssize_t)len;
}

static int elf_prot(uint32_t flags)
{
    return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) |
           (flags & PF_X ? PROT_EXEC : 0);
}

static bool check_header(const Elf64_Ehdr *eh, const char *path, GError **errp)
{
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_ident[EI_DATA] != ELFDATA2LSB) {
        error_setg(errp, "'%s': not a 64-bit little-endian ELF file", path);
        return false;
    }
    if (eh->e_machine != EM_RISCV) {
        error_setg(errp, "'%s': ELF machine %d is not RISC-V", path, eh->e_machine);
        return false;
    }
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) {
        error_setg(errp, "'%s': not an executable or shared object", path);
        return false;
    }
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
        eh->e_phnum > MAX_PHDRS) {
        error_setg(errp, "'%s': bad program header table", path);
        return false;
    }
    return true;
}

/* Map one ELF image; is_interp places ET_DYN images in the mmap area. */
static bool load_elf(const char *path, bool is_interp, LoadedElf *out, GError **errp)
{
    Elf64_Ehdr eh;
    Elf64_Phdr ph[MAX_PHDRS];
    uint64_t lo = UINT64_MAX, hi = 0, bias = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    bool ok = false;
    struct stat st;
    int64_t r;

    memset(out, 0, sizeof(*out));
    if (fd < 0) {
        error_setg_errno(errp, errno, "'%s'", path);
        return false;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        error_setg(errp, "'%s': not a regular file", path);
        goto out;
    }
    if (!read_full(fd, &eh, sizeof(eh), 0)) {
        error_setg(errp, "'%s': too short for an ELF header", path);
        goto out;
    }
    if (!check_header(&eh, path, errp)) {
        goto out;
    }
    if (!read_full(fd, ph, eh.e_phnum * sizeof(Elf64_Phdr), eh.e_phoff)) {
        error_setg(errp, "'%s': cannot read the program headers", path);
        goto out;
    }
    for (int i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD) {
            if (ph[i].p_filesz > ph[i].p_memsz ||
                (ph[i].p_vaddr - ph[i].p_offset) % GUEST_PAGE_SIZE) {
                error_setg(errp, "'%s': segment %d is malformed", path, i);
                goto out;
            }
            lo = MIN(lo, ph[i].p_vaddr & ~(GUEST_PAGE_SIZE - 1));
            hi = MAX(hi, ph[i].p_vaddr + ph[i].p_memsz);
        } else if (ph[i].p_type == PT_INTERP && !is_interp) {
            if (ph[i].p_filesz == 0 || ph[i].p_filesz > PATH_MAX) {
                error_setg(errp, "'%s': bad PT_INTERP", path);
                goto out;
            }
            out->interp = g_malloc0(ph[i].p_filesz + 1);
            if (!read_full(fd, out->interp, ph[i].p_filesz, ph[i].p_offset)) {
                error_setg(errp, "'%s': cannot read PT_INTERP", path);
                goto out;
            }
        }
    }
    if (lo >= hi || !guest_range_ok(lo, hi - lo)) {
        error_setg(errp, "'%s': no loadable segment inside the guest address space", path);
        goto out;
    }
    /* reserve the whole span, then map the segments over it */
    r = guest_mmap(eh.e_type == ET_DYN ? (is_interp ? 0 : ELF_ET_DYN_BASE) : lo,
                   hi - lo, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
                   (eh.e_type == ET_EXEC ? MAP_FIXED_NOREPLACE : 0), -1, 0);
    if (r < 0) {
        error_setg(errp, "'%s': cannot map %#" PRIx64 "-%#" PRIx64 ": %s", path, lo, hi,
                   strerror(-r));
        goto out;
    }
    bias = r - lo;
    for (int i = 0; i < eh.e_phnum; i++) {
        uint64_t vaddr = ph[i].p_vaddr + bias, page = vaddr & ~(GUEST_PAGE_SIZE - 1);
        uint64_t file_end = vaddr + ph[i].p_filesz, mem_end = vaddr + ph[i].p_memsz;
        uint64_t file_page_end = GUEST_PAGE_ALIGN(file_end);
        int prot = elf_prot(ph[i].p_flags);

        if (ph[i].p_type != PT_LOAD) {
            continue;
        }
        if (ph[i].p_filesz) {
            r = guest_mmap(page, file_end - page, prot | PROT_WRITE,
                           MAP_PRIVATE | MAP_FIXED, fd, ph[i].p_offset - (vaddr - page));
            if (r < 0) {
                error_setg(errp, "'%s': cannot map segment %d: %s", path, i, strerror(-r));
                goto out;
            }
            /*
             * The rest of the last file page reads as zero (the bss may start
             * there, and ld.so's allocator uses the tail after its bss), as Linux.
             */
            if (mem_end > file_end || (prot & PROT_WRITE)) {
                memset(g2h(file_end), 0, file_page_end - file_end);
            }
            guest_mprotect(page, file_end - page, prot);
        } else {
            file_page_end = page;
        }
        if (mem_end > file_page_end) {
            r = guest_mmap(file_page_end, mem_end - file_page_end, prot,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
            if (r < 0) {
                error_setg(errp, "'%s': cannot map the bss of segment %d", path, i);
                goto out;
            }
        }
        if (ph[i].p_offset <= eh.e_phoff &&
            eh.e_phoff + eh.e_phnum * sizeof(Elf64_Phdr) <= ph[i].p_offset + ph[i].p_filesz) {
            out->phdr = vaddr + (eh.e_phoff - ph[i].p_offset);
        }
        out->brk = MAX(out->brk, mem_end);
    }
    out->bias = bias;
    out->entry = eh.e_entry + bias;
    out->phnum = eh.e_phnum;
    ok = true;
out:
    close(fd);
    if (!ok) {
        g_free(out->interp);
        out->interp = NULL;
    }
    return ok;
}

/* The interpreter under the -L prefix if it exists there, else as named. */
static char *interp_path(const char *interp, const char *prefix)
{
    if (prefix && interp[0] == '/') {
        char *p = g_strconcat(prefix, interp, NULL);
        if (access(p, R_OK) == 0) {
            return p;
        }
        g_free(p);
    }
    return g_strdup(interp);
}

/* Stack building, downwards from sp. */
typedef struct StackBuilder {
    uint64_t sp;
} StackBuilder;

static uint64_t push_bytes(StackBuilder *sb, const void *data, size_t len)
{
    sb->sp -= len;
    memcpy(g2h(sb->sp), data, len);
    return sb->sp;
}

static uint64_t push_string(StackBuilder *sb, const char *s)
{
    return push_bytes(sb, s, strlen(s) + 1);
}

static uint64_t map_sigreturn_trampoline(GError **errp)
{
    /* addi a7, zero, 139 (__NR_rt_sigreturn); ecall */
    static const uint32_t code[2] = { 0x08b00893, 0x00000073 };
    int64_t r = guest_mmap(0, GUEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r < 0) {
        error_setg(errp, "cannot map the signal return trampoline: %s", strerror(-r));
        return 0;
    }
    memcpy(g2h(r), code, sizeof(code));
    guest_mprotect(r, GUEST_PAGE_SIZE, PROT_READ | PROT_EXEC);
    return r;
}

bool load_program(const LoadParams *p, ImageInfo *info, GError **errp)
{
    LoadedElf exe, interp = { 0 };
    StackBuilder sb;
    uint64_t stack_lo, execfn, platform, random_addr;
    uint64_t *argv_g, *envp_g;
    int argc = g_strv_length(p->argv), envc = g_strv_length(p->envp), n;
    uint8_t rnd[16];
    int64_t r;
    GArray *st;

    memset(info, 0, sizeof(*info));
    if (!load_elf(p->filename, false, &exe, errp)) {
        return false;
    }
    info->entry = exe.entry;
    info->load_bias = exe.bias;
    if (exe.interp) {
        g_autofree char *ipath = interp_path(exe.interp, p->ld_prefix);
        bool under_prefix = strcmp(ipath, exe.interp) != 0;

        g_free(exe.interp);
        if (!load_elf(ipath, true, &interp, errp)) {
            if (!p->ld_prefix) {
                error_prepend(errp, "interpreter of '%s' (use -L to give the prefix): ",
                              p->filename);
            } else if (!under_prefix) {
                error_prepend(errp, "interpreter of '%s' (not under the -L prefix '%s'): ",
                              p->filename, p->ld_prefix);
            } else {
                error_prepend(errp, "interpreter of '%s': ", p->filename);
            }
            return false;
        }
        info->entry = interp.entry;
        info->interp_bias = interp.bias;
    }
    info->brk = exe.brk;
    guest_brk_init(GUEST_PAGE_ALIGN(exe.brk));
    info->sigreturn_tramp = map_sigreturn_trampoline(errp);
    if (!info->sigreturn_tramp) {
        return false;
    }

    stack_lo = guest_stack_top() - GUEST_STACK_SIZE;
    r = guest_mmap(stack_lo, GUEST_STACK_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (r < 0) {
        error_setg(errp, "cannot map the guest stack: %s", strerror(-r));
        return false;
    }
    sb.sp = guest_stack_top();
    execfn = push_string(&sb, p->execfn);
    argv_g = g_new(uint64_t, argc + 1);
    envp_g = g_new(uint64_t, envc + 1);
    for (int i = envc - 1; i >= 0; i--) {
        envp_g[i] = push_string(&sb, p->envp[i]);
    }
    for (int i = argc - 1; i >= 0; i--) {
        argv_g[i] = push_string(&sb, p->argv[i]);
    }
    argv_g[argc] = envp_g[envc] = 0;
    platform = push_string(&sb, "riscv64");
    for (size_t i = 0; i < sizeof(rnd); i++) {
        rnd[i] = g_random_int();
    }
    sb.sp &= ~15ull;
    random_addr = push_bytes(&sb, rnd, sizeof(rnd));

    /* argc, argv[], 0, envp[], 0, auxv pairs, AT_NULL; sp 16-byte aligned */
    st = g_array_new(false, false, sizeof(uint64_t));
#define PUSH(v) do { uint64_t _v = (v); g_array_append_val(st, _v); } while (0)
#define AUX(t, v) do { PUSH(t); PUSH(v); } while (0)
    PUSH(argc);
    for (int i = 0; i <= argc; i++) {
        PUSH(argv_g[i]);
    }
    for (int i = 0; i <= envc; i++) {
        PUSH(envp_g[i]);
    }
    AUX(AT_PHDR, exe.phdr);
    AUX(AT_PHENT, sizeof(Elf64_Phdr));
    AUX(AT_PHNUM, exe.phnum);
    AUX(AT_PAGESZ, GUEST_PAGE_SIZE);
    AUX(AT_BASE, interp.bias);
    AUX(AT_FLAGS, 0);
    AUX(AT_ENTRY, exe.entry);
    AUX(AT_UID, getuid());
    AUX(AT_EUID, geteuid());
    AUX(AT_GID, getgid());
    AUX(AT_EGID, getegid());
    AUX(AT_HWCAP, p->hwcap);
    AUX(AT_HWCAP2, 0);
    AUX(AT_CLKTCK, sysconf(_SC_CLK_TCK));
    AUX(AT_SECURE, 0);
    AUX(AT_RANDOM, random_addr);
    AUX(AT_EXECFN, execfn);
    AUX(AT_PLATFORM, platform);
    AUX(AT_MINSIGSTKSZ, 2048);
    AUX(AT_NULL, 0);
#undef AUX
#undef PUSH
    n = st->len;
    sb.sp = (sb.sp - n * sizeof(uint64_t)) & ~15ull;
    memcpy(g2h(sb.sp), st->data, n * sizeof(uint64_t));
    info->sp = sb.sp;
    g_array_free(st, true);
    g_free(argv_g);
    g_free(envp_g);
    return true;
}
