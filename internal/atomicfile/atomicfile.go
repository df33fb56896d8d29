// Package atomicfile replaces a file so that a power cut or a crash leaves
// either the old content or the new, never half of one. The box writes its
// config, its rules file and provisioning output this way.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile writes data to a temporary file beside path with mode, fsyncs
// it, renames it over path and fsyncs the directory, so the rename itself
// survives a power cut. On error path is untouched and the temporary file
// is removed. Errors read "write <path>: ...".
func WriteFile(path string, data []byte, mode os.FileMode) error {
	if err := writeFile(path, data, mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func writeFile(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	for _, step := range []func() error{
		func() error { return tmp.Chmod(mode) },
		func() error { _, err := tmp.Write(data); return err },
		tmp.Sync,
	} {
		if err := step(); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDirFunc(dir)
}

// syncDirFunc is syncDir, replaced in tests (an fsync cannot be observed).
var syncDirFunc = syncDir

// syncDir fsyncs a directory, making a rename in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return fmt.Errorf("sync directory: %w", err)
	}
	return d.Close()
}
