// Package fsfault gives tests a file system that fails as a real one does
// when its disk is full (ENOSPC) or it is mounted read-only (EROFS): a
// small tmpfs mounted for the test. Permissions cannot stand in for either,
// since tests run as root here, and /dev/full only fails files written in
// place, not the temporary files an atomic write makes.
package fsfault

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// size of each file system: room for a key file and a checkpoint or two.
const size = "size=256k"

// mount mounts a fresh tmpfs on a new directory, lets setup write into it,
// and unmounts it when the test ends. Without the right to mount (not root,
// or no CAP_SYS_ADMIN) the test is skipped: the fixture is absent.
func mount(t *testing.T, setup func(dir string)) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "fs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, size+",mode=0700"); err != nil {
		t.Skipf("fsfault: mounting a tmpfs on %s needs root with CAP_SYS_ADMIN: %v", dir, err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	if setup != nil {
		setup(dir)
	}
	return dir
}

// ReadOnly returns a directory on a read-only file system holding what
// setup wrote into it first.
func ReadOnly(t *testing.T, setup func(dir string)) string {
	t.Helper()
	dir := mount(t, setup)
	if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Fatalf("fsfault: remounting %s read-only: %v", dir, err)
	}
	return dir
}

// Full returns a directory on a file system with no space left, holding
// what setup wrote into it first, and a function that frees the space.
func Full(t *testing.T, setup func(dir string)) (dir string, free func()) {
	t.Helper()
	dir = mount(t, setup)
	filler := filepath.Join(dir, ".filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 4096)
	for {
		if _, err = f.Write(block); err != nil {
			break
		}
	}
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("fsfault: filling %s: %v, want ENOSPC", dir, err)
	}
	return dir, func() {
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
	}
}
