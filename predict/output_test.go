package predict

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/train"
)

func TestWriter(t *testing.T) {
	results := []Result{
		{ID: "a", Window: 600, N: 10, Size: 40, Prediction: Prediction{NHat: 30.5, Source: SourceForest}, Status: fit.StatusOK},
		{ID: `b,"c"`, Window: 3600, N: 0, Size: 3, Prediction: Prediction{NHat: 0, Source: SourceObserved}, Status: fit.StatusFailed},
		{ID: "d", Window: 600, N: 5, Size: 9, Prediction: Prediction{NHat: 8, Source: SourceForest, Lo: 4, Hi: 16.5, Interval: true}, Status: fit.StatusOK},
	}
	tests := []struct {
		format, want string
	}{
		{fit.FormatCSV, "id,window,n,size,nhat,lo,hi,source,status\n" +
			"a,600,10,40,30.5,,,forest,ok\n" +
			`"b,""c""",3600,0,3,0,,,observed,failed` + "\n" +
			"d,600,5,9,8,4,16.5,forest,ok\n"},
		{fit.FormatJSONL, `{"id":"a","window":600,"n":10,"size":40,"nhat":30.5,"lo":null,"hi":null,"source":"forest","status":"ok"}` + "\n" +
			`{"id":"b,\"c\"","window":3600,"n":0,"size":3,"nhat":0,"lo":null,"hi":null,"source":"observed","status":"failed"}` + "\n" +
			`{"id":"d","window":600,"n":5,"size":9,"nhat":8,"lo":4,"hi":16.5,"source":"forest","status":"ok"}` + "\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		w, err := NewWriter(&b, tt.format)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range results {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.format, b.String(), tt.want)
		}
	}
	var b bytes.Buffer
	w, _ := NewWriter(&b, fit.FormatCSV)
	if err := w.Flush(); err != nil || b.String() != "id,window,n,size,nhat,lo,hi,source,status\n" {
		t.Errorf("empty CSV: %q, %v", b.String(), err)
	}
	if _, err := NewWriter(&b, "xml"); err == nil {
		t.Errorf("unknown format: no error")
	}
}

// TestBatch checks that Batch refuses a model of another window before
// fitting, and predicts model-only where a window has no model.
func TestBatch(t *testing.T) {
	cs := []data.Cascade{{ID: "x", Times: []float64{0, 1, 5, 30, 400, 900}, Mags: []float64{10, 3, 4, 1, 2, 8}}}
	m := constantModel(t, TargetLogRatio, 0, nil)
	ctx := context.Background()
	err := Batch(ctx, cs, []float64{3600}, map[float64]*train.Model{3600: m}, fit.BatchOptions{}, func(Result) error {
		t.Fatal("a result despite the model of another window")
		return nil
	})
	if !errors.Is(err, ErrIncompatible) {
		t.Errorf("model of 600 s on 3600 s: %v, want ErrIncompatible", err)
	}
	var got []Result
	err = Batch(ctx, cs, []float64{600, 3600}, map[float64]*train.Model{600: m}, fit.BatchOptions{Options: fit.Options{Starts: 2}}, func(r Result) error {
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The forest predicts log(N/n) = 0: N = n = 5 events up to 600 s.
	if len(got) != 2 || got[0].Window != 600 || got[0].Source != SourceForest || got[0].NHat != 5 || got[0].N != 5 || got[0].Size != 6 ||
		got[1].Window != 3600 || (got[1].Source != SourceHawkes && got[1].Source != SourceObserved) || got[1].N != 6 {
		t.Errorf("results %+v", got)
	}
}
