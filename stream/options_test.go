package stream

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hawkes-toolkit/hawkes/train"
)

// validator is an options type.
type validator interface{ Validate() error }

// TestValidate checks every rule of the options types: the defaults pass,
// each broken rule is an *OptionError naming its role and option (or, for
// Topics and the forest's other fields, an error saying what is wrong).
func TestValidate(t *testing.T) {
	fitter := func(edit func(*FitterOptions)) FitterOptions {
		o := FitterOptions{}.WithDefaults()
		edit(&o)
		return o
	}
	trainer := func(edit func(*TrainerOptions)) TrainerOptions {
		o := TrainerOptions{}.WithDefaults()
		edit(&o)
		return o
	}
	alerts := func(edit func(*AlertsOptions)) AlertsOptions {
		o := AlertsOptions{}.WithDefaults()
		edit(&o)
		return o
	}
	reader := func(edit func(*ReaderOptions)) ReaderOptions {
		o := ReaderOptions{}.WithDefaults()
		edit(&o)
		return o
	}
	client := func(edit func(*Client)) Client {
		o := Client{Brokers: []string{"k1:9092"}}.WithDefaults()
		edit(&o)
		return o
	}
	run := func(edit func(*Options)) Options {
		o := Options{Topics: DefaultTopics()}.WithDefaults()
		edit(&o)
		return o
	}
	tests := []struct {
		name      string
		o         validator
		role, opt string // of the *OptionError; opt "" for another error
		wantErr   string // held by the message; "" for no error
	}{
		{"fitter defaults", fitter(func(*FitterOptions) {}), "", "", ""},
		{"fitter windows", fitter(func(o *FitterOptions) { o.Windows = []float64{3600, 60} }), "", "", ""},
		{"no window", fitter(func(o *FitterOptions) { o.Windows = []float64{} }), "fitter", "window", "window needs at least one window"},
		{"zero window", fitter(func(o *FitterOptions) { o.Windows = []float64{600, 0} }), "fitter", "window", "window must be positive numbers of seconds, got 0"},
		{"infinite window", fitter(func(o *FitterOptions) { o.Windows = []float64{math.Inf(1)} }), "fitter", "window", "got +Inf"},
		{"NaN window", fitter(func(o *FitterOptions) { o.Windows = []float64{math.NaN()} }), "fitter", "window", "got NaN"},
		{"window twice", fitter(func(o *FitterOptions) { o.Windows = []float64{600, 60, 600} }), "fitter", "window", "window 600 given twice"},
		{"zero terminated", fitter(func(o *FitterOptions) { o.Terminated = 0 }), "fitter", "terminated", "terminated must be a positive number of seconds, got 0"},
		{"zero max open", fitter(func(o *FitterOptions) { o.MaxOpen = 0 }), "fitter", "max-open", "max-open must be at least 1, got 0"},
		{"negative max open", fitter(func(o *FitterOptions) { o.MaxOpen = -5 }), "fitter", "max-open", "got -5"},
		{"max skew at its least", fitter(func(o *FitterOptions) { o.MaxSkew = MinMaxSkew }), "", "", ""},
		{"max skew too small", fitter(func(o *FitterOptions) { o.MaxSkew = 3600 }), "fitter", "max-skew", "max-skew must be a number of seconds of at least 172800 (the reader's watermarks can be a day apart), got 3600"},
		{"infinite max skew", fitter(func(o *FitterOptions) { o.MaxSkew = math.Inf(1) }), "fitter", "max-skew", "got +Inf"},
		{"NaN max skew", fitter(func(o *FitterOptions) { o.MaxSkew = math.NaN() }), "fitter", "max-skew", "got NaN"},
		{"zero starts", fitter(func(o *FitterOptions) { o.Fit.Starts = 0 }), "fitter", "starts", "starts must be at least 1, got 0"},
		{"no fitter group", fitter(func(o *FitterOptions) { o.Group = "" }), "fitter", "group", "group must not be empty"},
		{"no fitter id", fitter(func(o *FitterOptions) { o.ID = "" }), "", "", ""},

		{"trainer defaults", trainer(func(*TrainerOptions) {}), "", "", ""},
		{"zero retrain", trainer(func(o *TrainerOptions) { o.RetrainEvery = 0 }), "trainer", "retrain-every", "retrain-every must be at least 1 (or -1: no retraining), got 0"},
		{"no retraining", trainer(func(o *TrainerOptions) { o.RetrainEvery = NoRetrain }), "", "", ""},
		{"zero max samples", trainer(func(o *TrainerOptions) { o.MaxSamples = 0 }), "trainer", "max-samples", "max-samples must be at least 1, got 0"},
		{"zero trees", trainer(func(o *TrainerOptions) { o.Forest.Trees = 0 }), "trainer", "trees", "trees must be at least 1, got 0"},
		{"zero min leaf", trainer(func(o *TrainerOptions) { o.Forest.MinLeaf = 0 }), "trainer", "min-leaf", "min-leaf must be at least 1, got 0"},
		{"no trainer group", trainer(func(o *TrainerOptions) { o.Group = "" }), "trainer", "group", "group must not be empty"},
		{"forest sample fraction", trainer(func(o *TrainerOptions) { o.Forest.SampleFrac = 2 }), "", "", "stream: trainer: " + train.ErrConfig.Error()},

		{"alerts defaults", alerts(func(*AlertsOptions) {}), "", "", ""},
		{"zero threshold", alerts(func(o *AlertsOptions) { o.Threshold = 0 }), "alerts", "threshold", "threshold must be a positive size, got 0"},
		{"negative threshold", alerts(func(o *AlertsOptions) { o.Threshold = -1 }), "alerts", "threshold", "got -1"},
		{"format", alerts(func(o *AlertsOptions) { o.Format = "xml" }), "alerts", "format", `format must be text or jsonl, got "xml"`},
		{"no alerts group", alerts(func(o *AlertsOptions) { o.Group = "" }), "alerts", "group", "group must not be empty"},

		{"reader defaults", reader(func(*ReaderOptions) {}), "", "", ""},
		{"paced", reader(func(o *ReaderOptions) { o.Speed = 100 }), "", "", ""},
		{"negative speed", reader(func(o *ReaderOptions) { o.Speed = -1 }), "reader", "speed", "speed must be 0 (as fast as possible) or a positive factor, got -1"},
		{"zero spacing", reader(func(o *ReaderOptions) { o.Spacing = 0 }), "reader", "spacing", "spacing must be a positive number of seconds, got 0"},
		{"negative watermark", reader(func(o *ReaderOptions) { o.WatermarkEvery = -3 }), "reader", "watermark-every", "watermark-every must be a positive number of seconds, at most 43200, got -3"},
		{"watermarks half a day apart", reader(func(o *ReaderOptions) { o.WatermarkEvery = MaxWatermarkEvery }), "", "", ""},
		{"watermarks a day apart", reader(func(o *ReaderOptions) { o.WatermarkEvery = 86400 }), "reader", "watermark-every", "at most 43200, got 86400"},

		{"broker defaults", BrokerOptions{}.WithDefaults(), "", "", ""},
		{"three ports", BrokerOptions{Ports: []int{9092, 9093, 9094}}, "", "", ""},
		{"four ports", BrokerOptions{Ports: []int{1, 2, 3, 4}}, "broker", "ports", "one to three brokers: got ports [1 2 3 4], brokers 0"},
		{"four brokers", BrokerOptions{Brokers: 4}, "broker", "brokers", "one to three brokers"},
		{"zero brokers", BrokerOptions{}, "broker", "brokers", "one to three brokers"},
		{"port", BrokerOptions{Ports: []int{70000}}, "broker", "ports", "ports: 70000 is not a TCP port"},

		{"client defaults", client(func(*Client) {}), "", "", ""},
		{"no brokers", client(func(o *Client) { o.Brokers = nil }), "", "", ""},
		{"bad broker", client(func(o *Client) { o.Brokers = []string{"k1:9092", "k2"} }), "client", "brokers", `brokers: "k2" is not host:port`},
		{"broker without port", client(func(o *Client) { o.Brokers = []string{"k1:"} }), "client", "brokers", "is not host:port"},
		{"sasl", client(func(o *Client) { o.SASLMechanism, o.SASLUser = "scram-sha-256", "u" }), "", "", ""},
		{"sasl mechanism", client(func(o *Client) { o.SASLMechanism, o.SASLUser = "KERBEROS", "u" }), "client", "sasl-mechanism", "sasl-mechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"},
		{"sasl without user", client(func(o *Client) { o.SASLMechanism = SASLPlain }), "client", "sasl-mechanism", "sasl-mechanism needs sasl-user"},
		{"tls key without cert", client(func(o *Client) { o.TLSKey = "k.pem" }), "client", "tls-cert", "tls-cert and tls-key go together"},
		{"zero connect timeout", client(func(o *Client) { o.ConnectTimeout = 0 }), "client", "connect-timeout", "connect-timeout must be positive, got 0s"},
		{"kafka 4", client(func(o *Client) { o.KafkaVersion = "4.1.0" }), "", "", ""},
		{"kafka version", client(func(o *Client) { o.KafkaVersion = "four" }), "client", "kafka-version", `kafka-version: "four" is not a Kafka version`},
		{"kafka too old", client(func(o *Client) { o.KafkaVersion = "0.10.2.0" }), "client", "kafka-version", "needs Kafka 0.11.0 or newer"},

		{"run defaults", run(func(*Options) {}), "", "", ""},
		{"zero fitters", run(func(o *Options) { o.Fitters = 0 }), "", "fitters", "stream: fitters must be at least 1, got 0"},
		{"state dir with brokers", run(func(o *Options) { o.Broker.StateDir, o.Client.Brokers = "s", []string{"k:1"} }), "", "state-dir",
			"state-dir is for the embedded broker: it cannot be used with brokers"},
		{"brokers ignore the broker options", run(func(o *Options) { o.Broker.Brokers, o.Client.Brokers = 9, []string{"k:1"} }), "", "", ""},
		{"embedded broker", run(func(o *Options) { o.Broker.Brokers = 9 }), "broker", "brokers", "one to three brokers"},
		{"run topics", run(func(o *Options) { o.Topics.Alerts = o.Topics.Stats }), "", "", "named twice"},
		{"min insync replicas", run(func(o *Options) { o.Topics.Replication, o.Topics.MinInsyncReplicas = 3, 2 }), "", "", ""},
		{"min insync over replication", run(func(o *Options) { o.Topics.MinInsyncReplicas = 2 }), "", "", "min.insync.replicas 2, want 0 (the cluster's default) to the replication 1"},
		{"negative min insync", run(func(o *Options) { o.Topics.MinInsyncReplicas = -1 }), "", "", "min.insync.replicas -1"},
		{"run client", run(func(o *Options) { o.Client.Brokers = []string{"k"} }), "client", "brokers", "is not host:port"},
		{"run reader", run(func(o *Options) { o.Reader.Speed = -1 }), "reader", "speed", "speed must be"},
		{"run fitter", run(func(o *Options) { o.Fitter.MaxOpen = 0 }), "fitter", "max-open", "max-open must be"},
		{"run trainer", run(func(o *Options) { o.Trainer.MaxSamples = -1 }), "trainer", "max-samples", "max-samples must be"},
		{"run alerts", run(func(o *Options) { o.Alerts.Format = "csv" }), "alerts", "format", "format must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "stream: ") {
				t.Fatalf("Validate: %v, want an error holding %q", err, tt.wantErr)
			}
			var oe *OptionError
			switch {
			case !errors.As(err, &oe):
				if tt.opt != "" {
					t.Errorf("%v is not an *OptionError", err)
				}
			case oe.Role != tt.role || oe.Option != tt.opt:
				t.Errorf("role %q option %q, want %q %q", oe.Role, oe.Option, tt.role, tt.opt)
			case tt.role != "" && !strings.HasPrefix(err.Error(), "stream: "+tt.role+": "):
				t.Errorf("%q does not start with its role", err)
			}
		})
	}
}

// TestZeroMeansDefault checks the rule of options.go: a field left at zero
// takes its default in the constructors (WithDefaults), while Validate,
// which checks values as given, refuses a zero that is not a meaningful
// value (here MaxOpen 0, as typed in hawkes stream --max-open 0).
func TestZeroMeansDefault(t *testing.T) {
	var zero FitterOptions
	if err := zero.Validate(); err == nil {
		t.Error("Validate accepted FitterOptions{}")
	}
	o := zero.WithDefaults()
	if o.MaxOpen != DefaultMaxOpen || o.Terminated != DefaultTerminated || o.MaxSkew != DefaultMaxSkew || o.Group != DefaultFitterGroup ||
		len(o.Windows) != len(DefaultWindows()) || o.ID == "" || o.Fit.Starts < 1 {
		t.Errorf("defaults %+v", o)
	}
	if err := o.Validate(); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
	if f, err := NewFitter(Client{}, DefaultTopics(), FitterOptions{MaxOpen: 0}); err != nil {
		t.Errorf("NewFitter with MaxOpen 0: %v", err)
	} else if f.o.MaxOpen != DefaultMaxOpen {
		t.Errorf("NewFitter with MaxOpen 0: max open %d, want the default %d", f.o.MaxOpen, DefaultMaxOpen)
	}
	if _, err := NewFitter(Client{}, DefaultTopics(), FitterOptions{MaxOpen: -1}); err == nil {
		t.Error("NewFitter accepted MaxOpen -1")
	}

	// Every constructor takes the zero options, and refuses what Validate
	// refuses.
	if _, err := NewTrainer(Client{}, DefaultTopics(), TrainerOptions{}); err != nil {
		t.Errorf("NewTrainer: %v", err)
	}
	if _, err := NewTrainer(Client{}, DefaultTopics(), TrainerOptions{RetrainEvery: -2}); err == nil {
		t.Error("NewTrainer accepted RetrainEvery -2")
	}
	if _, err := NewAlerter(Client{}, DefaultTopics(), AlertsOptions{}); err != nil {
		t.Errorf("NewAlerter: %v", err)
	}
	if _, err := NewAlerter(Client{}, DefaultTopics(), AlertsOptions{Threshold: math.NaN()}); err == nil {
		t.Error("NewAlerter accepted a NaN threshold")
	}
	if c := (Client{}).WithDefaults(); c.ConnectTimeout != DefaultConnectTimeout || c.ClientID != DefaultClientID {
		t.Errorf("client defaults %+v", c)
	}
	if _, err := (Client{Brokers: []string{"k:1"}, ConnectTimeout: -time.Second}).config(); err == nil {
		t.Error("a negative connect timeout was accepted")
	}
	if b := (BrokerOptions{}).WithDefaults(); b.Brokers != DefaultBrokers {
		t.Errorf("broker defaults %+v", b)
	}
	if b := (BrokerOptions{Ports: []int{9092, 9093}}).WithDefaults(); b.Brokers != 0 {
		t.Errorf("with ports, the broker count %d is left alone", b.Brokers)
	}
}

// TestOptionErrorMessage names the options of an OptionError as a command
// line names its flags.
func TestOptionErrorMessage(t *testing.T) {
	err := Client{SASLMechanism: SASLPlain, ConnectTimeout: time.Second}.Validate()
	var oe *OptionError
	if !errors.As(err, &oe) {
		t.Fatalf("%v is not an *OptionError", err)
	}
	if got, want := err.Error(), "stream: client: sasl-mechanism needs sasl-user"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	flag := func(o string) string { return "--" + o }
	if got, want := oe.Message(flag), "--sasl-mechanism needs --sasl-user"; got != want {
		t.Errorf("Message = %q, want %q", got, want)
	}
	// Values are not option names, even when they look like one.
	err = ReaderOptions{Speed: -1, Spacing: 1, WatermarkEvery: 1}.Validate()
	if !errors.As(err, &oe) || oe.Message(flag) != "--speed must be 0 (as fast as possible) or a positive factor, got -1" {
		t.Errorf("reader: %v", err)
	}
}
