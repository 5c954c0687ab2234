package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/internal/shared"
	"github.com/hawkes-toolkit/hawkes/stream"
)

// TestTrainerInputs checks how the trainer's --model and --samples files
// are read: a bare FILE is the model of its own window, T=FILE must be a
// model of T, and a file that cannot be used is bad input naming it.
func TestTrainerInputs(t *testing.T) {
	dir := shared.Path(t, "smh_cascades")
	ctx := context.Background()
	tmp := t.TempDir()
	model := filepath.Join(tmp, "m600.hkrf")
	if code, _, stderr := runArgv(t, ctx, "train", "--data", dir, "--window", "600", "--model", model, "--trees", "10", "--workers", "2", "--no-cache"); code != exitOK {
		t.Fatalf("train: exit code %d, stderr %q", code, stderr)
	}
	feats := filepath.Join(tmp, "f.csv")
	if code, _, stderr := runArgv(t, ctx, "features", "--data", dir, "--window", "600,3600", "--out", feats, "--workers", "2", "-q"); code != exitOK {
		t.Fatalf("features: exit code %d, stderr %q", code, stderr)
	}
	junk := filepath.Join(tmp, "junk.hkrf")
	if err := os.WriteFile(junk, []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	var o stream.TrainerOptions
	if err := (&trainerInputs{Models: model, Samples: feats}).load(&o); err != nil {
		t.Fatal(err)
	}
	if len(o.Models) != 1 || o.Models[600] == nil || len(o.Samples) != 40 {
		t.Errorf("models %v, %d samples; want the model of 600 s and 40 rows", o.Models, len(o.Samples))
	}
	for _, in := range []trainerInputs{
		{Models: "3600=" + model},
		{Models: model + ",600=" + model},
		{Models: junk},
		{Models: filepath.Join(tmp, "missing.hkrf")},
		{Samples: junk},
	} {
		err := in.load(&stream.TrainerOptions{})
		var be *badInputError
		if err == nil || exitCode(err) != exitBadInput {
			t.Errorf("%+v: %v (exit code %d), want bad input", in, err, exitCode(err))
		}
		if errors.As(err, &be) && in.Models == "3600="+model && !(strings.Contains(err.Error(), model) && strings.Contains(err.Error(), "trained for window 600 s, not 3600 s")) {
			t.Errorf("%+v: %v", in, err)
		}
	}
}
