// Package stream is the streaming pipeline of SPEC section 6 on Kafka,
// through github.com/IBM/sarama. A reader replays a data set as live
// retweets, fitters predict each cascade's final size once per observation
// window, a trainer learns a model per window from finished cascades, and
// an alerts role reports the cascades predicted to grow large. Run starts
// everything in one process, by default against an embedded broker
// (StartBroker: github.com/twmb/franz-go/pkg/kfake, the real wire protocol
// on 127.0.0.1); every role also runs on its own against any Kafka cluster
// (Replay, Fitter, Trainer, Alerter, Watcher), and nothing in a role assumes it is
// the only process.
//
// # Topics
//
// Names and partition counts are settings (Topics, DefaultTopics):
//
//	hawkes.retweets     100 partitions  Retweet, keyed by cascade id      reader -> fitters
//	hawkes.predictions   10             Prediction, keyed by cascade id   fitters -> alerts
//	hawkes.samples       10             Sample, keyed by cascade id       fitters -> trainer
//	hawkes.models         1             ModelMessage, keyed by window     trainer -> fitters (compacted)
//	hawkes.alerts        20             Alert, keyed by cascade id        alerts
//	hawkes.stats         10             Stat, keyed by cascade id         fitters -> summary
//	hawkes.deadletters    1             DeadLetter                        every role
//
// Every message is a JSON object with "v": 1 (SchemaVersion); decoders
// refuse other versions, unknown kinds, wrong types, and values that break
// the schema (negative times or sizes, non-finite numbers), with an error
// wrapping ErrInvalid. The fields are those of the Go types, by their JSON
// tags:
//
//	Retweet    {"v":1,"kind":"event","id":"RT5","seq":3,"start":43233,"t":12,"m":1500}
//	           {"v":1,"kind":"watermark","time":43290}
//	           {"v":1,"kind":"end","time":1e6,"events":2109923,"cascades":508}
//	Prediction {"v":1,"id":"RT5","window":600,"time":43833.5,"n":120,"nhat":2930.4,
//	            "source":"forest","status":"ok","nhat_hawkes":612.1,"nstar":0.81,
//	            "model_version":4,"fitter":"host-123","start":43233,
//	            "curve":[[0,1],[12,2],...,[598,120]]}   (curve: at most CurvePoints [t, events])
//	Sample     {"v":1,"id":"RT5","window":600,"status":"ok","n":120,"size":3001,"w":4.1,
//	            "c":..,"theta":..,"a1":..,"nstar":..,"beta":..,"rate":..,
//	            "loglik_per_event":..,"log_n":..,"growth":..,"nhat":..}   (null where a feature does not apply)
//	ModelMessage {"v":1,"window":600,"version":4,"trained_on":400,"seen":400,
//	            "created":"2026-11-26T04:02:49Z","model":"<base64 of train.Model.MarshalBinary>"}
//	Alert      {"v":1,"id":"RT5","window":600,"nhat":9000,"n":300,"model_version":4,
//	            "source":"forest","time":43833.5,"threshold":5000}
//	Stat       {"v":1,"id":"RT5","window":600,"n":120,"size":3001,"nhat":2930.4,"are":0.024,
//	            "model_version":4,"source":"forest","curve":[[0,1],...,[86400,3001]]}
//	DeadLetter {"v":1,"topic":"hawkes.retweets","partition":7,"offset":1234,"role":"fitter",
//	            "reason":"invalid message: t -1 is negative","key":"<base64>","value":"<base64>",
//	            "key_size":3,"value_size":64}    ("truncated":true when key or value was cut)
//
// An event's absolute time is start + t. seq numbers a cascade's events
// from 0 (the original tweet) in time order.
//
// # Live feeds
//
// Live (hawkes stream reader --from FORMAT) is a reader of raw posts
// instead of a data set: package convert turns each post into events, and
// Live sends them in time order within a lateness (DefaultLateness, 30 s):
// watermarks are the newest time seen minus the lateness, and a repost
// older than that when it arrives is dead-lettered with the reason. An
// original is sent whatever its time (a cascade first seen through a
// repost starts at its original's time, before the feed), after a first
// watermark on every partition, so that no fitter takes it for the
// stream's clock. An event dated more than MaxAhead after the wall clock
// is dead-lettered, with its cascade's other events when it is an
// original. The conversion forgets cascades idle for a day of event time
// (convert.Options.Forget): a cascade reposted after that is opened again,
// from seq 0.
//
// # Event time and watermarks
//
// The fitters' clock is the stream's event time, not the wall clock, so a
// replay at any speed gives the same predictions. Events are sent in global
// time order, so an event at time t on a partition tells its fitter that
// every earlier event of that partition has arrived. A partition that
// receives nothing for WatermarkEvery seconds of event time gets a
// watermark message with the current time, so that cascades on quiet
// partitions are still predicted when their windows pass; across a longer
// gap between two events, the watermarks step MaxWatermarkEvery (12 h) at
// a time, so that two messages of a partition are never more than a day
// and a second apart. The end of a bounded replay is an end marker on every
// partition, after which each fitter finishes all its open cascades. The
// watermarks assume one reader, the source of the event time; another
// producer of live retweets must send such watermarks itself, as often.
//
// A partition's clock is the latest time its messages have shown (an
// event's start + t, a watermark's or end marker's time); the first message
// a fitter reads of a partition sets it. A message further ahead of the
// clock than FitterOptions.MaxSkew (hawkes stream fitter --max-skew,
// default DefaultMaxSkew, seven days; at least MinMaxSkew, two days) is
// dead-lettered: one event with an absurd time could otherwise close every
// open cascade of its partition early, with wrong sizes, and leave those
// that follow unpredicted until the clock caught up. An event whose start
// is not its cascade's is dead-lettered too.
//
// A message after an end marker begins a new replay on that partition (a
// new epoch): its clock starts again from that message, and its cascades
// are tracked and predicted as any others (a fitter logs "a new replay
// after an end marker"). A replay of the same data set again thus predicts
// the same (id, window) pairs again, which consumers count once (see
// below).
//
// # Fitters
//
// A fitter keeps one tracker per partition it holds. For each window W a
// cascade is fitted on its events with t <= W once the partition's event
// time is past start + W (or earlier, when the cascade is finished first:
// no event can be added to the window then). The newest model of that
// window makes the prediction through predict.Apply, the code `hawkes
// predict` runs, so the same cascade, window, model and fit options give the
// same nhat in the batch and in the stream: nhat = n·exp(forest) (the forest
// learns log(N/n)), or, where the forest has none, the model's log-linear
// fallback n·e^a; before any model exists nhat is the model-only
// n + A1/(1-n*) (w = 1), and where the fit gives none (supercritical or
// failed) it is n, the observed size; "source" says which (forest,
// loglinear, hawkes, observed). A fitter reads the models topic up to its
// newest message before it consumes retweets, so the models published
// before it started are in use from its first prediction. A cascade with no event for Terminated seconds of
// event time is finished: it publishes one Sample (with its true w) and one
// Stat per window. Fits run at most GOMAXPROCS at a time per process.
//
// Open cascades are bounded by MaxOpen per process, shared evenly by the
// partitions held (at least one per partition, so the bound is
// max(MaxOpen, partitions held)). When a partition is at its share, a new cascade evicts
// the partition's least recently active open cascade: its windows not yet
// predicted are predicted from what was seen ("evicted": true), its Stat is
// marked evicted (left out of the summary's ARE), it publishes no Sample
// (its final size is unknown), and its later events are ignored. Events of
// cascades whose first event (seq 0) the fitter has not seen are ignored in
// the same way.
//
// # Offsets, restarts and duplicates
//
// A fitter commits a partition's offset only up to the first event of its
// oldest open cascade, and publishes a cascade's outputs synchronously
// before committing past it. A fitter that dies, or loses the partition in
// a rebalance, therefore loses nothing: the next owner replays from the
// committed offset and rebuilds every open cascade. The price is that
// cascades finished between that offset and the crash are predicted again:
// the predictions, samples and stats topics may hold the same (id, window)
// twice, with the same content (fits are seeded) but possibly a newer
// model_version. Consumers count the first one per (id, window): the alerts
// role and the summary do (remembering up to MaxRemembered pairs).
//
// # Trainer and models
//
// The trainer keeps, per window, the newest MaxSamples samples and grows the
// model again every RetrainEvery new samples of that window (NoRetrain:
// never): the learner TrainerOptions.Learner names (a random forest by
// default, or boosted trees), through predict.TrainLearner, so with the
// interval `hawkes train` would give it on the same rows; version n+1 follows the newest version found on the models topic
// at start. A deployment can start from models trained in batch
// (TrainerOptions.Models): each is published as version 1 of its window
// when the topic holds none of that window, before the pipeline of Run
// starts its fitters; TrainerOptions.Samples seed the training sets and stay
// in them besides the newest MaxSamples samples, so a model retrained in the
// stream learns from the batch rows and the stream's. A models
// message holds the model file (train.Model.MarshalBinary, deflate-
// compressed); it is kept under MaxModelMessageBytes (Kafka's default
// message limit is about 1 MB) by halving the trees while it is larger. The
// topic is created compacted, keyed by window, so a new fitter reads only
// the newest forests. Fitters read it from its start and swap forests as new
// versions arrive, without stopping: each logs "model in use" with the
// window and version of every forest it takes up, and at debug level "model
// ignored" with why for a version no newer than the one in use. A version
// more than MaxModelVersionStep (a million) beyond the newest one held of
// its window (0 when none) was made by no trainer: the fitters dead-letter
// it rather than let it pin them, and a starting trainer does not number
// its versions after it.
//
// # Watching
//
// A Watcher reads the outputs for a live view (the dashboard of package
// stream/dashboard, hawkes stream dashboard) and hands them to a Sink: the
// predictions, alerts, stats and models topics in its own consumer group,
// each partition from its oldest message the first time the process holds
// it, and the retweets topic from its newest, to count the events. A
// Status, polled on a connection of its own, gives the events per second,
// the fitters' lag on the retweets topic and the dead letters. The
// fitters add to each prediction the cascade's growth within the window
// (Curve: at most CurvePoints [t, events] pairs, GrowthCurve) and to each
// stat the whole cascade's; FitterOptions.NoCurve leaves them out. Run
// starts a watcher when Options.Watch is set, and drains it too.
//
// # Options and errors
//
// Each options type (Client, BrokerOptions, ReaderOptions, FitterOptions,
// TrainerOptions, AlertsOptions, Options) gives the default of each field.
// The constructors (NewFitter, NewTrainer, NewAlerter, Replay, StartBroker,
// EnsureTopics, Run) set the fields left at zero to their defaults (the
// type's WithDefaults) and check the result with its Validate, the one home
// of its rules, which reports an *OptionError naming the option as the
// hawkes command names its flag. Validate on its own checks the values as
// given, as packages fit and train do: a zero that means nothing (MaxOpen
// 0) is refused, as hawkes stream --max-open 0 is. Every error says
// "stream: " once, with the role it comes from ("stream: fitter: ..."),
// then what failed.
//
// # Operations
//
// A message a role cannot use (not JSON, wrong types, values outside the
// schema, an event earlier than its cascade's previous one, a model that
// does not decode or does not fit this version's features) goes to the
// dead-letters topic as a DeadLetter with the reason and its topic,
// partition and offset; the role counts it and goes on.
//
// No single message stops a role or holds up a partition. Every consumed
// message is checked against a size bound before it is decoded: its key
// against MaxKeyBytes, its value against MaxModelMessageBytes on the models
// topic and MaxMessageBytes on the others; a larger one is dead-lettered
// unread. A dead letter keeps at most MaxKeyBytes of the key and
// MaxDeadLetterValueBytes of the value, and says so ("truncated", with the
// original "key_size" and "value_size"), so that it always fits under the
// broker's message limit. A dead letter that cannot be published is tried
// three times, then logged and counted as lost
// (hawkes_dead_letters_lost_total): the role goes past the message all the
// same, and commits past it.
//
// Text that came from the stream is escaped wherever it is written as
// text: an alerts text line quotes an id as strconv.Quote does when it
// holds a space, a quote, a backslash or a character that does not print
// (a terminal escape, say), so that no id can end the line, forge a field
// or drive the terminal; JSON lines, log lines and error messages (%q) are
// escaped by their encoders.
//
// A role that cannot reach the brokers at start retries with exponential
// backoff (a log line each time) for Client.ConnectTimeout; so does
// EnsureTopics, which then waits until every broker knows the topics it
// created (Apache Kafka's brokers learn of a topic a little after its
// controller), with Topics.Replication replicas and, when set,
// Topics.MinInsyncReplicas. The producers retry a message for about 55 s,
// long enough for a dead broker's partitions to move to another (Kafka
// notices a broker killed without a word after 9 s by default). The
// clients speak Client.KafkaVersion's protocol (DefaultKafkaVersion, 2.8,
// which Kafka 2.8 to 4.x serve; Kafka 4 closes the connection on older
// request versions, which a role reports with the likely reasons). Each role's
// Metrics (hawkes_*: events consumed and ignored, open cascades, fits by
// window and status with a latency histogram, predictions by source,
// samples, models, the model version in use, alerts, dead letters,
// consumer lag per partition) are served by ServeMetrics.
//
// Each role holds two broker connections: its consumer's, where fetches
// long-poll for up to 100 ms waiting for 256 KiB, and its producer's, so
// that a publication never queues behind a fetch. (On one shared connection
// the fitter's end-of-replay publications trickled out at ~20 samples/s.)
package stream
