#ifndef SYSEMU_VL_H
#define SYSEMU_VL_H
/* The system emulator front end: parse the command line, build and run the machine. */
int tern_main(int argc, char **argv);
#endif
