package main

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/internal/shared"
)

// TestStreamMatchesPredict is the one-prediction-path promise: models
// trained by hawkes train, given to hawkes stream with retraining off,
// predict every (cascade, window) exactly as hawkes predict does, on
// smh_cascades and (without -short, as its fits take a minute under the race
// detector) on the first 16 cascades of seismic_subset. The stream's
// predictions are read from its alerts, with a threshold below every
// prediction.
func TestStreamMatchesPredict(t *testing.T) {
	ctx := context.Background()
	sets := map[string]string{"smh_cascades": shared.Path(t, "smh_cascades")}
	if !testing.Short() {
		cs, err := data.LoadDir(ctx, shared.Path(t, "seismic_subset"))
		if err != nil {
			t.Fatal(err)
		}
		slice := filepath.Join(t.TempDir(), "seismic16")
		if err := data.WriteDir(slice, cs[:16]); err != nil {
			t.Fatal(err)
		}
		sets["seismic_subset[:16]"] = slice
	}
	for name, dir := range sets {
		t.Run(name, func(t *testing.T) {
			tmp := t.TempDir()
			var models []string
			for _, w := range []string{"600", "3600"} {
				path := filepath.Join(tmp, "m"+w+".hkrf")
				code, _, stderr := runArgv(t, ctx, "train", "--data", dir, "--window", w, "--model", path,
					"--trees", "20", "--workers", "2", "--no-cache")
				if code != exitOK {
					t.Fatalf("train --window %s: exit code %d, stderr %q", w, code, stderr)
				}
				models = append(models, w+"="+path)
			}
			list := strings.Join(models, ",")
			code, stdout, stderr := runArgv(t, ctx, "predict", "--data", dir, "--window", "600,3600", "--model", list,
				"--starts", "4", "--workers", "2", "--format", "jsonl")
			if code != exitOK {
				t.Fatalf("predict: exit code %d, stderr %q", code, stderr)
			}
			type row struct {
				ID           string  `json:"id"`
				Window       float64 `json:"window"`
				N            int     `json:"n"`
				NHat         float64 `json:"nhat"`
				Lo, Hi       *float64
				Source       string `json:"source"`
				ModelVersion int    `json:"model_version"`
			}
			type key struct {
				id string
				w  float64
			}
			read := func(what, s string) map[key]row {
				out := map[key]row{}
				for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
					var r row
					if err := json.Unmarshal([]byte(line), &r); err != nil {
						t.Fatalf("%s line %q: %v", what, line, err)
					}
					if _, dup := out[key{r.ID, r.Window}]; dup {
						t.Errorf("%s: %s on %v twice", what, r.ID, r.Window)
					}
					out[key{r.ID, r.Window}] = r
				}
				return out
			}
			batch := read("predict", stdout)
			code, stdout, stderr = runArgv(t, ctx, "stream", "--data", dir, "--window", "600,3600", "--model", list,
				"--retrain-every", "0", "--starts", "4", "--terminated", "1e7", "--threshold", "1e-9", "--format", "jsonl",
				"--log-level", "warn")
			if code != exitOK {
				t.Fatalf("stream: exit code %d, stderr %q", code, stderr)
			}
			streamed := read("stream alerts", stdout)
			if len(streamed) != len(batch) {
				t.Errorf("%d streamed predictions, %d batch ones", len(streamed), len(batch))
			}
			for k, b := range batch {
				s, ok := streamed[k]
				if !ok {
					t.Errorf("%s on %v: no streamed prediction", k.id, k.w)
					continue
				}
				if s.Source != b.Source || s.N != b.N || s.ModelVersion != 1 || math.Abs(s.NHat-b.NHat) > 1e-9*math.Abs(b.NHat) ||
					!sameBound(s.Lo, b.Lo) || !sameBound(s.Hi, b.Hi) {
					t.Errorf("%s on %v: stream %+v, predict %+v", k.id, k.w, s, b)
				}
			}
		})
	}
}

// sameBound reports whether two interval bounds are both absent or equal to
// 1e-9 relative.
func sameBound(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) <= 1e-9*math.Abs(*b)
}
