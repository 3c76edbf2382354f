/* Included by cr-sqlite's C files; nothing from it is used on wasm32. */
#ifndef CRSQLITE_WASM_CTYPE_H
#define CRSQLITE_WASM_CTYPE_H
#endif
