package stream

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
	"github.com/hawkes-toolkit/hawkes/predict"
	"github.com/hawkes-toolkit/hawkes/train"
)

// TestGivenModels runs the pipeline on smh_cascades with batch-trained
// models and retraining off: every prediction comes from the given model,
// version 1, and equals predict.Batch's on the same cascade, window, model
// and fit options.
func TestGivenModels(t *testing.T) {
	cascades := loadSMH(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	windows := []float64{600, 3600}
	bopts := fit.BatchOptions{Options: fitOpts(), Workers: 2}
	models := map[float64]*train.Model{}
	for _, w := range windows {
		var rows []features.Row
		err := features.Compute(ctx, cascades, []float64{w}, bopts, func(r features.Row) error {
			rows = append(rows, r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		m, err := predict.Train(ctx, rows, "", train.Config{Trees: 20, Seed: 1, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		models[w] = m
	}
	want := map[predKey]predict.Result{}
	err := predict.Batch(ctx, cascades, windows, models, bopts, func(r predict.Result) error {
		want[predKey{r.ID, r.Window}] = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	b := streamtest.StartBroker(t, StartBroker, BrokerOptions{})
	topics := testTopics()
	sum, err := Run(ctx, cascades, Options{
		Client:  Client{Brokers: b.Addrs()},
		Topics:  topics,
		Reader:  ReaderOptions{Spacing: 2 * 86400},
		Fitter:  FitterOptions{Windows: windows, Terminated: 6 * 3600, Fit: fitOpts()},
		Trainer: TrainerOptions{RetrainEvery: NoRetrain, Models: models},
		Log:     streamtest.Logger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Models != len(windows) {
		t.Errorf("%d models published, want the %d given and no retrained one", sum.Models, len(windows))
	}
	preds := checkPredictions(t, b.Addrs(), topics.Predictions, cascades, windows)
	for k, p := range preds {
		w := want[k]
		if p.Source != string(w.Source) || p.ModelVersion != 1 || p.N != w.N ||
			math.Abs(p.NHat-w.NHat) > 1e-9*math.Max(1, math.Abs(w.NHat)) {
			t.Errorf("cascade %s window %v: stream %v from %s (model %d, n %d); batch %v from %s (n %d)",
				k.id, k.w, p.NHat, p.Source, p.ModelVersion, p.N, w.NHat, w.Source, w.N)
		}
	}
}

// TestTrainerSeededSamples checks that a retrained model learns from the
// given samples and the stream's.
func TestTrainerSeededSamples(t *testing.T) {
	seed := make([]features.Row, 6)
	for i := range seed {
		seed[i] = features.Row{ID: "s", Window: 600, Status: fit.StatusFailed, N: i + 1, Size: 2 * (i + 1)}
	}
	tr, err := NewTrainer(Client{Brokers: []string{"127.0.0.1:1"}}, DefaultTopics(), TrainerOptions{Samples: seed, MaxSamples: 2, Forest: train.Config{Trees: 2, Workers: 1}})
	if err != nil {
		t.Fatal(err)
	}
	ts := tr.windows[600]
	if ts == nil || len(ts.base) != len(seed) {
		t.Fatalf("training set of 600 s: %+v", ts)
	}
	ts.rows = seed[:2] // the newest MaxSamples of the stream
	msg, err := tr.grow(context.Background(), 600, ts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := msg.Value.Encode()
	if err != nil {
		t.Fatal(err)
	}
	w, lm, err := decodeLiveModel(&sarama.ConsumerMessage{Value: b})
	if err != nil {
		t.Fatal(err)
	}
	if w != 600 || lm.model.TrainedOn != len(seed)+2 {
		t.Errorf("model of window %v trained on %d rows, want the %d seeded and the 2 of the stream", w, lm.model.TrainedOn, len(seed))
	}
	for _, bad := range []TrainerOptions{{RetrainEvery: -2}, {Models: map[float64]*train.Model{600: {Window: 3600}}}, {Learner: "svm"}} {
		if _, err := NewTrainer(Client{Brokers: []string{"127.0.0.1:1"}}, DefaultTopics(), bad); err == nil {
			t.Errorf("options %+v: no error", bad)
		}
	}
}

// TestTrainerLearner checks that the trainer grows the learner it is
// given, with the interval predict.TrainLearner calibrates on the same rows,
// in a message under MaxModelMessageBytes.
func TestTrainerLearner(t *testing.T) {
	rows := make([]features.Row, 120)
	for i := range rows {
		n := i%40 + 1
		rows[i] = features.Row{ID: "s", Window: 600, Status: fit.StatusFailed, N: n, Size: n * (2 + i%7)}
	}
	for _, learner := range []string{"", train.LearnerForest, train.LearnerBoost} {
		t.Run("learner="+learner, func(t *testing.T) {
			o := TrainerOptions{Samples: rows, Learner: learner, Forest: train.Config{Trees: 10, Workers: 1}}
			tr, err := NewTrainer(Client{Brokers: []string{"127.0.0.1:1"}}, DefaultTopics(), o)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := tr.grow(context.Background(), 600, tr.windows[600])
			if err != nil {
				t.Fatal(err)
			}
			if size := msg.Value.Length(); size > MaxModelMessageBytes {
				t.Errorf("message of %d bytes, over %d", size, MaxModelMessageBytes)
			}
			b, err := msg.Value.Encode()
			if err != nil {
				t.Fatal(err)
			}
			_, lm, err := decodeLiveModel(&sarama.ConsumerMessage{Value: b})
			if err != nil {
				t.Fatal(err)
			}
			want := learner
			if want == "" {
				want = predict.DefaultLearner
			}
			if got := lm.model.Forest.Learner(); got != want {
				t.Errorf("trainer grew %s, want %s", got, want)
			}
			batch, err := predict.TrainLearner(context.Background(), rows, predict.DefaultTarget,
				predict.Learner{Name: want, Forest: tr.o.Forest, Boost: tr.o.Boost})
			if err != nil {
				t.Fatal(err)
			}
			if got := lm.model.Interval; got == nil || batch.Interval == nil || got.Level != batch.Interval.Level ||
				got.Lo != batch.Interval.Lo || got.Hi != batch.Interval.Hi || got.QLo != batch.Interval.QLo || got.QHi != batch.Interval.QHi {
				t.Errorf("interval %+v, predict.TrainLearner's on the same rows %+v", got, batch.Interval)
			}
		})
	}
}
