//go:build 386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64 || wasm

package jlex

import "unsafe"

// loadLE reads the 8 bytes at data[p:] as a little-endian word, with one
// load and no bounds check: the caller has checked 0 <= p <= len(data)-8.
func loadLE(data []byte, p int) uint64 {
	return *(*uint64)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(data)), p))
}
