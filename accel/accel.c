/* The accelerator registry: tcg and kvm register themselves at startup. */
#include "tern/osdep.h"
#include "sysemu/accel.h"

static GPtrArray *accels;
const AccelOps *current_accel;

void accel_register(const AccelOps *ops)
{
    if (!accels) {
        accels = g_ptr_array_new();
    }
    g_assert(!accel_find(ops->name));
    g_ptr_array_add(accels, (gpointer)ops);
}

const AccelOps *accel_find(const char *name)
{
    for (guint i = 0; accels && i < accels->len; i++) {
        const AccelOps *ops = g_ptr_array_index(accels, i);
        if (!strcmp(ops->name, name)) {
            return ops;
        }
    }
    return NULL;
}

char *accel_list(void)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; accels && i < accels->len; i++) {
        const AccelOps *ops = g_ptr_array_index(accels, i);
        g_string_append_printf(s, "%s%s", i ? "," : "", ops->name);
    }
    return g_string_free(s, FALSE);
}
