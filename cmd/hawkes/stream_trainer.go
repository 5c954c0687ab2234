package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hawkes-toolkit/hawkes/predict"
	"github.com/hawkes-toolkit/hawkes/stream"
	"github.com/hawkes-toolkit/hawkes/train"
)

// TrainerOptions are the options of hawkes stream trainer.
type TrainerOptions struct {
	IO      *ioStreams
	Conn    *ConnOptions
	Trainer stream.TrainerOptions
	Inputs  trainerInputs
}

// trainerInputs are the files that give the trainer its first models and
// training rows; they are read when the role starts.
type trainerInputs struct {
	Models  string // --model: FILE or T=FILE, comma-separated
	Samples string // --samples: a features CSV of hawkes features
}

// newStreamTrainerCmd returns hawkes stream trainer; runF, when not nil,
// replaces runStreamTrainer.
func newStreamTrainerCmd(ios *ioStreams, conn *ConnOptions, runF func(context.Context, *TrainerOptions) error) *cobra.Command {
	opts := &TrainerOptions{IO: ios, Conn: conn}
	cmd := &cobra.Command{
		Use:   "trainer --brokers HOST:PORT,... [flags]",
		Short: "Learn a model per window from finished cascades and publish it",
		Long: `Consume the samples topic, keep the newest --max-samples samples of each
window, grow that window's model again every --retrain-every new samples,
and publish it on the models topic (one partition; the newest version per
window wins; a forest too large for one message is grown with fewer trees).
--learner picks the learner as hawkes train's does (forest or boost), with
the same prediction interval. Runs until stopped.

--model gives the first model of each window, trained in batch by hawkes
train: published as version 1 of its window unless the models topic already
holds one, so fitters predict with it from the first cascade (start the
trainer before the reader). --samples seeds each window's training set with
the rows of a hawkes features file, kept besides the stream's newest
samples, so a retrained model never learns from fewer rows than it started
with. --retrain-every 0 turns retraining off.`,
		Example: `  hawkes stream trainer --brokers 127.0.0.1:9092 --retrain-every 200 --max-samples 10000

  # Start from batch-trained models and go on learning from the stream
  hawkes stream trainer --brokers 127.0.0.1:9092 --model m600.hkrf,m3600.hkrf --samples features.csv

  # Retrain gradient-boosted trees instead of forests
  hawkes stream trainer --brokers 127.0.0.1:9092 --learner boost`,
		Args: noArgs,
		RunE: streamRunE(opts, runF, runStreamTrainer),
	}
	addTrainerFlags(cmd.Flags(), &opts.Trainer, &opts.Inputs)
	return cmd
}

// addTrainerFlags adds the flags of the trainer options, which start at their
// defaults; hawkes stream adds them all.
func addTrainerFlags(f *pflag.FlagSet, o *stream.TrainerOptions, in *trainerInputs) {
	o.RetrainEvery = stream.DefaultRetrainEvery
	f.Var((*retrainFlag)(&o.RetrainEvery), "retrain-every", "grow a window's model again every `K` new samples of it (0: never)")
	f.StringVar(&in.Models, "model", "", "first models: `FILE` of hawkes train (its window is its own) or T=FILE, comma-separated")
	f.StringVar(&in.Samples, "samples", "", "seed the training sets with the rows of `FILE`, written by hawkes features")
	f.IntVar(&o.MaxSamples, "max-samples", stream.DefaultMaxSamples, "training set of each window: the newest `N` samples")
	f.StringVar(&o.Learner, "learner", predict.DefaultLearner, "`LEARNER` to grow, as hawkes train's: forest (random forest) or boost (gradient-boosted trees)")
	f.IntVar(&o.Forest.Trees, "trees", stream.DefaultTrainerTrees, "trees of each forest")
	f.IntVar(&o.Forest.MinLeaf, "min-leaf", train.DefaultMinLeaf, "fewest bootstrap draws in a leaf")
	f.StringVar(&o.Group, "trainer-group", stream.DefaultTrainerGroup, "consumer group of the trainer")
}

// Validate checks the flags; package stream holds the rules of the
// trainer's options.
func (o *TrainerOptions) Validate() error {
	if err := o.Conn.validateRole(); err != nil {
		return err
	}
	if err := o.Inputs.validate(); err != nil {
		return err
	}
	return o.Trainer.Validate()
}

// validate checks the syntax of --model; the files are read when the
// trainer starts.
func (in *trainerInputs) validate() error {
	if in.Models == "" {
		return nil
	}
	_, err := parseStreamModels(in.Models)
	return err
}

// load reads the models and samples the inputs name into o. A file that
// cannot be used is bad input, named in the error.
func (in *trainerInputs) load(o *stream.TrainerOptions) error {
	if in.Models != "" {
		spec, err := parseStreamModels(in.Models)
		if err != nil {
			return err
		}
		o.Models = map[float64]*train.Model{}
		for _, sm := range spec {
			m, err := readModel(sm.path)
			if err != nil {
				return err
			}
			T := sm.window
			if T == 0 {
				T = m.Window
			}
			if err := predict.Check(m, T); err != nil {
				return badInputf("model %s: %w", sm.path, err)
			}
			if _, dup := o.Models[T]; dup {
				return badInputf("--model gives two models of window %v", T)
			}
			o.Models[T] = m
		}
	}
	if in.Samples != "" {
		rows, err := readFeatures(in.Samples)
		if err != nil {
			return err
		}
		o.Samples = rows
	}
	return nil
}

// retrainFlag is --retrain-every: a positive count, or 0 for
// stream.NoRetrain.
type retrainFlag int

func (r *retrainFlag) String() string {
	if int(*r) == stream.NoRetrain {
		return "0"
	}
	return strconv.Itoa(int(*r))
}

func (r *retrainFlag) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("%q is not a whole number", s)
	}
	if v == 0 {
		v = stream.NoRetrain
	}
	*r = retrainFlag(v)
	return nil
}

func (r *retrainFlag) Type() string { return "int" }

// runStreamTrainer runs the trainer until ctx is done. Its forests grow on
// every CPU (train.Config.Workers 0).
func runStreamTrainer(ctx context.Context, opts *TrainerOptions) error {
	return runRole(ctx, opts.IO, opts.Conn, func(log *slog.Logger, m *stream.Metrics) (*stream.Trainer, error) {
		o := opts.Trainer
		if err := opts.Inputs.load(&o); err != nil {
			return nil, err
		}
		o.Log, o.Metrics = log, m
		return stream.NewTrainer(opts.Conn.client(), opts.Conn.Topics, o)
	}, func(t *stream.Trainer) string {
		return fmt.Sprintf("trainer: %d samples, %d models", t.Consumed(), t.Models())
	})
}
