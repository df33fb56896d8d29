package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		old  string // "" for no file before
		mode os.FileMode
	}{
		{name: "new file", mode: 0o640},
		{name: "replaces", old: "old content", mode: 0o600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "safehub.yaml")
			if tc.old != "" {
				if err := os.WriteFile(path, []byte(tc.old), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFile(path, []byte("new content"), tc.mode); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "new content" {
				t.Fatalf("content = %q, want %q", got, "new content")
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tc.mode {
				t.Fatalf("mode = %v, want %v", fi.Mode().Perm(), tc.mode)
			}
			assertOnly(t, dir, "safehub.yaml")
		})
	}
}

// The directory is fsynced after the rename, and its failure is WriteFile's.
func TestWriteFileSyncsDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "safehub.yaml")
	var synced []string
	syncDirFunc = func(d string) error {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("directory synced before the rename: %v", err)
		}
		synced = append(synced, d)
		return errors.New("disk gone")
	}
	defer func() { syncDirFunc = syncDir }()
	err := WriteFile(path, []byte("x"), 0o644)
	if err == nil || err.Error() != "write "+path+": disk gone" {
		t.Fatalf("err = %v, want the directory sync's error", err)
	}
	if len(synced) != 1 || synced[0] != dir {
		t.Fatalf("synced %v, want [%s]", synced, dir)
	}
}

// A write that fails leaves the old file as it was and no temporary file.
func TestWriteFileFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A directory where the file should be renamed to: the rename fails
	// after the temporary file is written.
	target := filepath.Join(dir, "sub")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(target, []byte("new"), 0o644)
	if err == nil || !strings.HasPrefix(err.Error(), "write "+target+": ") {
		t.Fatalf("err = %v, want a write %s error", err, target)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Fatalf("untouched file = %q", got)
	}
	assertOnly(t, dir, "rules.yaml", "sub")
	if err := WriteFile(filepath.Join(dir, "missing", "x"), nil, 0o644); err == nil {
		t.Fatal("write into a missing directory: no error")
	}
}

func assertOnly(tb testing.TB, dir string, names ...string) {
	tb.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		tb.Fatalf("directory holds %v, want %v (no temporary file left)", got, names)
	}
}
