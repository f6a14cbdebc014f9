/* The generic vCPU: the CPU list, reset, interrupt requests, CPU models. */
#include "tern/osdep.h"
#include "hw/core/cpu.h"
#include "sysemu/accel.h"

GPtrArray *cpu_list;
static GPtrArray *cpu_models;

void cpu_common_init(CPUState *cpu, const CPUClass *cc, void *env, AddressSpace *as)
{
    if (!cpu_list) {
        cpu_list = g_ptr_array_new();
    }
    cpu->cc = cc;
    cpu->env_ptr = env;
    cpu->as = as;
    cpu->cpu_index = cpu_list->len;
    cpu->exception_index = -1;
    g_ptr_array_add(cpu_list, cpu);
}

CPUState *cpu_by_index(int index)
{
    if (!cpu_list || index < 0 || (guint)index >= cpu_list->len) {
        return NULL;
    }
    return g_ptr_array_index(cpu_list, index);
}

void cpu_reset(CPUState *cpu)
{
    g_atomic_int_set((gint *)&cpu->interrupt_request, 0);
    cpu->halted = false;
    cpu->exception_index = -1;
    if (cpu->cc->reset) {
        cpu->cc->reset(cpu);
    }
}

void cpu_interrupt(CPUState *cpu, uint32_t mask)
{
    g_atomic_int_or((guint *)&cpu->interrupt_request, mask);
    cpu_kick(cpu);
}

void cpu_reset_interrupt(CPUState *cpu, uint32_t mask)
{
    g_atomic_int_and((guint *)&cpu->interrupt_request, ~mask);
}

void cpu_exit(CPUState *cpu)
{
    g_atomic_int_set(&cpu->exit_request, 1);
    if (current_accel && current_accel->vcpu_kick) {
        current_accel->vcpu_kick(cpu);
    }
}

static gint compare_models(gconstpointer a, gconstpointer b)
{
    const CPUModelInfo *ma = *(const CPUModelInfo *const *)a;
    const CPUModelInfo *mb = *(const CPUModelInfo *const *)b;

    return strcmp(ma->name, mb->name);
}

void cpu_model_register(const CPUModelInfo *info)
{
    if (!cpu_models) {
        cpu_models = g_ptr_array_new();
    }
    g_ptr_array_add(cpu_models, (gpointer)info);
}

GPtrArray *cpu_model_list(void)
{
    GPtrArray *list = g_ptr_array_new();

    for (guint i = 0; cpu_models && i < cpu_models->len; i++) {
        g_ptr_array_add(list, g_ptr_array_index(cpu_models, i));
    }
    g_ptr_array_sort(list, compare_models);
    return list;
}

void cpu_model_print_list(const char *progname)
{
    g_autoptr(GPtrArray) list = cpu_model_list();

    if (!list->len) {
        printf("No CPU model is built into %s.\n", progname);
        return;
    }
    printf("Available CPUs:\n");
    for (guint i = 0; i < list->len; i++) {
        const CPUModelInfo *m = g_ptr_array_index(list, i);
        printf("  %-20s %s\n", m->name, m->desc ? m->desc : "");
    }
}
