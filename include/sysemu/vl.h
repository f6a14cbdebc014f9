#ifndef SYSEMU_VL_H
#define SYSEMU_VL_H
/* The system emulator front end: parse the command line, build and run the machine. */
int tern_main(int argc, char **argv);

struct Chardev;
/* The chardev of serial port `index` (-serial, or the -nographic default);
 * NULL when that port has none. Boards connect their UARTs to these. */
struct Chardev *serial_hd(int index);

/* The guest architecture this program emulates ("riscv64", "x86_64"),
 * taken from the program name tern-system-TARGET. */
const char *tern_target_name(void);
#endif
