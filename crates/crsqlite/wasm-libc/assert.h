/* Release builds compile asserts out, as NDEBUG does elsewhere. */
#ifndef CRSQLITE_WASM_ASSERT_H
#define CRSQLITE_WASM_ASSERT_H
#define assert(x) ((void)0)
#endif
