/* Program entry for tern-system-*: everything is in softmmu/vl.c. */
#include "tern/osdep.h"
#include "sysemu/vl.h"

int main(int argc, char **argv)
{
    return tern_main(argc, argv);
}
