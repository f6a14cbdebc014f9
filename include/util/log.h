/*
 * Debug logging selected with `-d item,...` and redirected with `-D file`.
 * Checks are a single load and test so they can sit on hot paths.
 */
#ifndef UTIL_LOG_H
#define UTIL_LOG_H

#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <glib.h>

enum {
    LOG_IN_ASM       = 1u << 0,   /* guest instructions of each translated block */
    LOG_OP           = 1u << 1,   /* IR before optimization */
    LOG_OP_OPT       = 1u << 2,   /* IR after optimization */
    LOG_OUT_ASM      = 1u << 3,   /* generated host code */
    LOG_INT          = 1u << 4,   /* interrupts and exceptions */
    LOG_EXEC         = 1u << 5,   /* each translated block entered */
    LOG_CPU          = 1u << 6,   /* CPU state before each block */
    LOG_MMU          = 1u << 7,   /* page walks and TLB fills */
    LOG_GUEST_ERROR  = 1u << 8,   /* guest did something invalid */
    LOG_UNIMP        = 1u << 9,   /* guest used something not implemented */
    LOG_NOCHAIN      = 1u << 10,  /* do not chain translated blocks */
    LOG_STRACE       = 1u << 11,  /* linux-user: each system call */
    LOG_PAGE         = 1u << 12,  /* linux-user: guest memory mappings */
};

typedef struct LogItem {
    uint32_t mask;
    const char *name;
    const char *help;
} LogItem;

extern const LogItem log_items[];   /* terminated by {0, NULL, NULL} */
extern uint32_t tern_loglevel;

static inline bool tern_log_enabled(uint32_t mask)
{
    return (tern_loglevel & mask) != 0;
}

/*
 * Parse a comma-separated list of item names ("in_asm,int"); "help" is not
 * accepted here (the caller prints log_items). Returns false and sets *errp
 * naming the unknown item.
 */
bool log_parse_items(const char *str, uint32_t *mask, GError **errp);
void log_set_mask(uint32_t mask);
/* Redirect log output to a file (NULL: stderr). */
bool log_set_file(const char *path, GError **errp);
FILE *log_file(void);
void log_close(void);

void tern_log(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* Log under a mask: tern_log_mask(LOG_GUEST_ERROR, "...") */
#define tern_log_mask(mask, ...) do {          \
        if (tern_log_enabled(mask)) {          \
            tern_log(__VA_ARGS__);             \
        }                                      \
    } while (0)

#endif
