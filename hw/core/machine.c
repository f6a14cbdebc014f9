/* The board registry and the generic parts of a machine. */
#include "tern/osdep.h"
#include "hw/boards.h"

static GPtrArray *machine_classes;
MachineState *current_machine;

void machine_class_register(const MachineClass *mc)
{
    if (!machine_classes) {
        machine_classes = g_ptr_array_new();
    }
    g_assert(mc->instance_size >= sizeof(MachineState));
    g_assert(!machine_class_find(mc->name));
    g_ptr_array_add(machine_classes, (gpointer)mc);
}

const MachineClass *machine_class_find(const char *name)
{
    for (guint i = 0; machine_classes && i < machine_classes->len; i++) {
        const MachineClass *mc = g_ptr_array_index(machine_classes, i);
        if (!strcmp(mc->name, name)) {
            return mc;
        }
    }
    return NULL;
}

const MachineClass *machine_class_default(void)
{
    for (guint i = 0; machine_classes && i < machine_classes->len; i++) {
        const MachineClass *mc = g_ptr_array_index(machine_classes, i);
        if (mc->is_default) {
            return mc;
        }
    }
    return NULL;
}

static gint compare_by_name(gconstpointer a, gconstpointer b)
{
    const MachineClass *ma = *(const MachineClass *const *)a;
    const MachineClass *mb = *(const MachineClass *const *)b;

    return strcmp(ma->name, mb->name);
}

GPtrArray *machine_class_list(void)
{
    GPtrArray *list = g_ptr_array_new();

    for (guint i = 0; machine_classes && i < machine_classes->len; i++) {
        g_ptr_array_add(list, g_ptr_array_index(machine_classes, i));
    }
    g_ptr_array_sort(list, compare_by_name);
    return list;
}

MachineState *machine_new(const MachineClass *mc)
{
    MachineState *ms = g_malloc0(mc->instance_size);

    ms->mc = mc;
    ms->ram_size = mc->default_ram_size;
    ms->smp = (CpuTopology) { .cpus = 1, .sockets = 1, .cores = 1,
                              .threads = 1, .maxcpus = 1 };
    ms->kernel_cmdline = g_strdup("");
    return ms;
}

bool machine_set_prop(MachineState *ms, const char *name, const char *value,
                      GError **errp)
{
    const MachineProp *p;

    for (p = ms->mc->props; p && p->name; p++) {
        if (!strcmp(p->name, name)) {
            if (!p->set(ms, value, errp)) {
                error_prepend(errp, "-M %s,%s=%s: ", ms->mc->name, name, value);
                return false;
            }
            return true;
        }
    }
    error_setg(errp, "-M %s: machine '%s' has no property '%s' (-M %s,help lists them)",
               ms->mc->name, ms->mc->name, name, ms->mc->name);
    return false;
}

void machine_print_props(const MachineClass *mc, FILE *out)
{
    const MachineProp *p;

    fprintf(out, "%s options:\n", mc->name);
    fprintf(out, "  %-20s %s\n", "accel=NAME", "accelerator (-accel help lists them)");
    for (p = mc->props; p && p->name; p++) {
        fprintf(out, "  %-20s %s\n", p->name, p->help ? p->help : "");
    }
}

bool machine_check_smp(const MachineClass *mc, const CpuTopology *smp, GError **errp)
{
    if (smp->maxcpus > mc->max_cpus) {
        error_setg(errp, "-smp: %u CPUs requested, but machine '%s' supports at most %u",
                   smp->maxcpus, mc->name, mc->max_cpus);
        return false;
    }
    return true;
}
