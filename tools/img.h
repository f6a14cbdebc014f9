/* tern-img: helpers shared by the subcommands. */
#ifndef TOOLS_IMG_H
#define TOOLS_IMG_H

#include "tern/osdep.h"
#include "block/block.h"

/* Exit status for a failed command, like qemu-img. */
#define IMG_FAIL 1

/* Open an image, reporting errors. */
BlockDriverState *img_open(const char *filename, const char *fmt, int flags);
/* Parse -o option strings into opts; strings stay owned by *kv_out. */
bool img_parse_create_opts(const char *optstr, BlockCreateOpts *opts,
                           void **kv_out, GError **errp);
void img_free_create_opts(void *kv);
/* "--output=human|json" → true for json. */
bool img_parse_output(const char *arg, bool *json);
void img_progress(double percent, bool enabled);

int img_create(int argc, char **argv);
int img_resize(int argc, char **argv);
int img_info(int argc, char **argv);
int img_check(int argc, char **argv);
int img_map(int argc, char **argv);
int img_snapshot(int argc, char **argv);
int img_convert(int argc, char **argv);
int img_compare(int argc, char **argv);

#endif
