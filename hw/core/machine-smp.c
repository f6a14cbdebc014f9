/*
 * -smp: CPU topology from the command line, with the defaulting and
 * validation rules QEMU 7.2 applies (cores preferred over sockets).
 */
#include "tern/osdep.h"
#include "hw/boards.h"

/* Far above any board's limit, low enough that products cannot overflow. */
#define SMP_VALUE_MAX (1u << 20)

static const char *const smp_keys[] = {
    "cpus", "maxcpus", "sockets", "dies", "clusters", "cores", "threads",
};

/* Given values (0: omitted), in smp_keys order. */
typedef struct SmpConfig {
    uint64_t v[ARRAY_SIZE(smp_keys)];
} SmpConfig;
enum { SMP_CPUS, SMP_MAXCPUS, SMP_SOCKETS, SMP_DIES, SMP_CLUSTERS, SMP_CORES, SMP_THREADS };

static bool read_config(const char *optstr, SmpConfig *cfg, GError **errp)
{
    g_autoptr(KeyVal) kv = keyval_parse(optstr, "cpus", "-smp", errp);

    if (!kv) {
        return false;
    }
    for (size_t i = 0; i < ARRAY_SIZE(smp_keys); i++) {
        if (!keyval_get_u64(kv, smp_keys[i], &cfg->v[i], errp)) {
            return false;
        }
        if (keyval_has(kv, smp_keys[i]) && cfg->v[i] == 0) {
            error_setg(errp, "-smp %s: %s must be greater than zero", optstr, smp_keys[i]);
            return false;
        }
        if (cfg->v[i] > SMP_VALUE_MAX) {
            error_setg(errp, "-smp %s: %s=%" PRIu64 " is too large", optstr,
                       smp_keys[i], cfg->v[i]);
            return false;
        }
    }
    if (cfg->v[SMP_DIES] > 1 || cfg->v[SMP_CLUSTERS] > 1) {
        error_setg(errp, "-smp %s: dies and clusters are not supported (use sockets, cores, threads)",
                   optstr);
        return false;
    }
    return keyval_check_unused(kv, errp);
}

bool machine_parse_smp(const char *optstr, CpuTopology *smp, GError **errp)
{
    SmpConfig cfg = { { 0 } };
    uint64_t cpus, maxcpus, sockets, cores, threads;

    if (!read_config(optstr, &cfg, errp)) {
        return false;
    }
    cpus = cfg.v[SMP_CPUS];
    maxcpus = cfg.v[SMP_MAXCPUS];
    sockets = cfg.v[SMP_SOCKETS];
    cores = cfg.v[SMP_CORES];
    threads = cfg.v[SMP_THREADS];

    if (cpus == 0 && maxcpus == 0) {
        /* Only the hierarchy given: missing levels are 1. */
        sockets = sockets ? sockets : 1;
        cores = cores ? cores : 1;
        threads = threads ? threads : 1;
    } else {
        maxcpus = maxcpus ? maxcpus : cpus;
        sockets = sockets ? sockets : 1;
        if (cores == 0) {
            threads = threads ? threads : 1;
            cores = maxcpus / (sockets * threads);
        }
        if (threads == 0) {
            threads = maxcpus / (sockets * cores);
        }
    }
    maxcpus = maxcpus ? maxcpus : sockets * cores * threads;
    cpus = cpus ? cpus : maxcpus;

    if (sockets * cores * threads != maxcpus) {
        error_setg(errp, "-smp %s: invalid CPU topology: sockets (%" PRIu64 ") * cores (%"
                   PRIu64 ") * threads (%" PRIu64 ") != maxcpus (%" PRIu64 ")",
                   optstr, sockets, cores, threads, maxcpus);
        return false;
    }
    if (maxcpus < cpus) {
        error_setg(errp, "-smp %s: invalid CPU topology: maxcpus (%" PRIu64
                   ") must be at least cpus (%" PRIu64 ")", optstr, maxcpus, cpus);
        return false;
    }
    *smp = (CpuTopology) { .cpus = cpus, .sockets = sockets, .cores = cores,
                           .threads = threads, .maxcpus = maxcpus };
    return true;
}
