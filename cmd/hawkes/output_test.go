package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// --data names a folder that does not exist, which would exit with
// exitBadInput: exitOutput and the output path's message show that the
// output was checked first.
//
// Hostile: an output path that cannot be written (a folder, a missing folder, a file's path as folder) for features --out, train --model, evaluate --plot or simulate --out -> exit 4 naming the path, before any data is read, and nothing written
func TestHostileOutputPaths(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	folder := filepath.Join(dir, "folder.png")
	if err := os.Mkdir(folder, 0o777); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "file")
	writeFile(t, file, "keep")
	missing := filepath.Join(dir, "missing")
	underFile := filepath.Join(file, "x.png")
	inMissing := filepath.Join(missing, "x.png")
	for _, tt := range []struct {
		name string
		argv []string
		want string
	}{
		{"features --out a folder", []string{"features", "--data", missing, "--window", "60", "--out", folder}, "write " + folder + ": is a directory"},
		{"features --out in a missing folder", []string{"features", "--data", missing, "--window", "60", "--out", inMissing}, "write " + inMissing + ": no such file or directory"},
		{"features --out under a file", []string{"features", "--data", missing, "--window", "60", "--out", underFile}, "write " + underFile + ": not a directory"},
		{"train --model a folder", []string{"train", "--data", missing, "--window", "60", "--model", folder}, "write " + folder + ": is a directory"},
		{"train --model in a missing folder", []string{"train", "--data", missing, "--window", "60", "--model", inMissing}, "write " + inMissing + ": no such file or directory"},
		{"evaluate --plot a folder", []string{"evaluate", "--data", missing, "--window", "60", "--plot=" + folder}, "write " + folder + ": is a directory"},
		{"evaluate --plot in a missing folder", []string{"evaluate", "--data", missing, "--window", "60", "--plot=" + inMissing}, "write " + inMissing + ": no such file or directory"},
		{"simulate --out a file", []string{"simulate", "--out", file}, "write " + file + ": not a directory"},
		{"simulate --out under a file", []string{"simulate", "--out", underFile}, "write " + underFile + ": not a directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runArgv(t, ctx, tt.argv...)
			if code != exitOutput || stdout != "" || stderr != "hawkes: "+tt.want+"\n" {
				t.Errorf("exit code %d, stdout %q, stderr %q; want %d and %q", code, stdout, stderr, exitOutput, tt.want)
			}
		})
	}
	if got, _ := os.ReadFile(file); string(got) != "keep" {
		t.Errorf("the file given as --out holds %q", got)
	}
	if ents, _ := os.ReadDir(folder); len(ents) != 0 {
		t.Errorf("the folder given as output holds %d entries", len(ents))
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("the missing folder %s was created", missing)
	}
}

// Hostile: hawkes simulate --out DIR interrupted (cancelled context) over a previous set -> exit 130, the previous data.csv, index.csv and params.csv left whole, no temporary folder, other files in DIR untouched; a later run replaces all three together
func TestHostileSimulateInterrupted(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "notes.txt"), "mine")
	simulate := func(ctx context.Context, seed string) int {
		code, _, stderr := runArgv(t, ctx, "simulate", "--out", dir, "--cascades", "3", "--seed", seed, "--random", "--horizon", "3600", "-q")
		if code != exitOK && code != exitInterrupted {
			t.Fatalf("simulate: exit code %d, stderr %q", code, stderr)
		}
		return code
	}
	read := func() map[string]string {
		m := map[string]string{}
		for _, name := range simulatedFiles {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			m[name] = string(b)
		}
		return m
	}
	entries := func() []string {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, e := range ents {
			s = append(s, e.Name())
		}
		return s
	}
	want := []string{"data.csv", "index.csv", "notes.txt", "params.csv"}

	simulate(ctx, "1")
	first := read()
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if code := simulate(cctx, "2"); code != exitInterrupted {
		t.Errorf("interrupted run: exit code %d, want %d", code, exitInterrupted)
	}
	if got := entries(); !slices.Equal(got, want) {
		t.Errorf("after an interrupted run the folder holds %v, want %v", got, want)
	}
	for name, s := range read() {
		if s != first[name] {
			t.Errorf("an interrupted run changed %s", name)
		}
	}
	simulate(ctx, "2")
	for name, s := range read() {
		if s == first[name] && name != "index.csv" { // 3 cascades of any size may index alike
			t.Errorf("a run with another seed left %s as it was", name)
		}
	}
	if got := entries(); !slices.Equal(got, want) {
		t.Errorf("the folder holds %v, want %v", got, want)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(b) != "mine" {
		t.Errorf("notes.txt holds %q", b)
	}
}

// Hostile: hawkes features --out FILE over a previous FILE, cancelled before it starts or interrupted by SIGINT while it writes -> exit 130, FILE left as it was, no temporary file
func TestHostileFeaturesOutInterrupted(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "sim")
	// 60 cascades of tens to hundreds of events: about 1.5 s of fits on
	// one worker, far longer than it takes to interrupt them.
	if code, _, stderr := runArgv(t, ctx, "simulate", "--out", dir, "--cascades", "60", "--random", "--first-mag", "3000", "--horizon", "3600", "--seed", "2", "-q"); code != exitOK {
		t.Fatalf("simulate: exit code %d, stderr %q", code, stderr)
	}
	outDir := filepath.Join(tmp, "out")
	if err := os.Mkdir(outDir, 0o777); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(outDir, "x.csv")
	const previous = "the previous features\n"
	writeFile(t, out, previous)
	argv := []string{"features", "--data", dir, "--window", "600", "--workers", "1", "--out", out, "-q"}
	check := func(t *testing.T) {
		t.Helper()
		if b, err := os.ReadFile(out); err != nil || string(b) != previous {
			t.Errorf("FILE holds %q (err %v), want the previous %q", b, err, previous)
		}
		ents, _ := os.ReadDir(outDir)
		if len(ents) != 1 {
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			t.Errorf("the folder holds %v, want only x.csv", names)
		}
	}

	t.Run("cancelled context", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if code, _, stderr := runArgv(t, cctx, argv...); code != exitInterrupted {
			t.Errorf("exit code %d, want %d (stderr %q)", code, exitInterrupted, stderr)
		}
		check(t)
	})

	t.Run("SIGINT while writing", func(t *testing.T) {
		cmd := exec.Command(os.Args[0], argv...)
		cmd.Env = append(os.Environ(), execEnv+"=1")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		defer func() {
			if cmd.ProcessState == nil {
				cmd.Process.Kill()
				<-exited
			}
		}()
		// Interrupt once the temporary file beside FILE exists: the data
		// set is loaded and the rows are being written.
		deadline := time.Now().Add(30 * time.Second)
		for !slices.ContainsFunc(dirNames(outDir), func(n string) bool { return strings.HasPrefix(n, ".x.csv.tmp-") }) {
			select {
			case err := <-exited:
				t.Fatalf("hawkes features exited (%v) before it was interrupted; stderr %q", err, stderr.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatal("no temporary file appeared in 30 s")
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-exited:
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
				t.Errorf("exit %v, want code %d; stderr %q", err, exitInterrupted, stderr.String())
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Signal(syscall.SIGKILL)
			t.Fatal("still running 30 s after SIGINT")
		}
		check(t)
	})
}

// dirNames returns the names in folder dir.
func dirNames(dir string) []string {
	ents, _ := os.ReadDir(dir)
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	return names
}
