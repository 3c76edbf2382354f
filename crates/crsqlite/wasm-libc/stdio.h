/* Included by cr-sqlite's C files; nothing from it is used on wasm32. */
#ifndef CRSQLITE_WASM_STDIO_H
#define CRSQLITE_WASM_STDIO_H
#include <stddef.h>
#endif
