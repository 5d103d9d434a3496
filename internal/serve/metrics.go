package serve

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the receiver's Prometheus metrics, in their own registry.
type Metrics struct {
	Registry *prometheus.Registry

	requests      *prometheus.CounterVec   // endpoint, code
	duration      *prometheus.HistogramVec // endpoint
	inflight      prometheus.Gauge
	inflightBytes prometheus.Gauge
	refused       *prometheus.CounterVec // reason
	duplicates    prometheus.Counter
	summarised    prometheus.Counter
	rolledBack    prometheus.Counter
	records       *prometheus.CounterVec // log_type
	rejected      *prometheus.CounterVec // log_type
	received      prometheus.Counter
	decompressed  prometheus.Counter
	sinkLatency   prometheus.Histogram
	sinkBatches   prometheus.Histogram
	sinkBytes     *prometheus.CounterVec // file
	sinkErrors    *prometheus.CounterVec // file
	torn          prometheus.Counter
}

// NewMetrics returns the metrics registered in a new registry, with the Go
// runtime and process collectors.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tslogs_http_requests_total",
			Help: "HTTP requests by endpoint (panther, splunk, health, metrics, other) and status code.",
		}, []string{"endpoint", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tslogs_http_request_duration_seconds",
			Help:    "Time from the request's headers to the reply, by endpoint.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"endpoint"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tslogs_http_ingest_in_flight",
			Help: "Ingest requests being received, parsed or stored.",
		}),
		inflightBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tslogs_http_ingest_in_flight_bytes",
			Help: "Memory reserved for request bodies being received or parsed (bounded by --max-inflight).",
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tslogs_http_ingest_refused_total",
			Help: "Ingest requests refused before parsing, by reason: memory (503, --max-inflight reached), draining (503, shutting down), slow (408, body slower than --min-body-rate).",
		}, []string{"reason"}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tslogs_duplicate_batches_total",
			Help: "Request bodies acknowledged without being stored again: identical to a body stored within the dedupe time (a retry whose reply was lost).",
		}),
		summarised: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tslogs_dead_letter_summarised_total",
			Help: "Bad records beyond the first --max-dead-letters of a request, counted in its summary dead-letter line instead of a line each.",
		}),
		rolledBack: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tslogs_sink_rolled_back_bytes_total",
			Help: "Bytes of unacknowledged batches removed from output files when they were opened (after a crash or a failed truncation).",
		}),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tslogs_records_total",
			Help: "Records stored (acknowledged), by log type (audit, network).",
		}, []string{"log_type"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tslogs_rejected_records_total",
			Help: "Bad records written to the dead-letter file, by log type (unknown when it could not be told).",
		}, []string{"log_type"}),
		received: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tslogs_received_bytes_total",
			Help: "Request body bytes received on ingest endpoints, as sent (compressed or not).",
		}),
		decompressed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tslogs_received_decompressed_bytes_total",
			Help: "Request body bytes on ingest endpoints after decompression.",
		}),
		sinkLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tslogs_sink_commit_seconds",
			Help:    "Duration of one successful commit of a group of batches: writes, fsyncs of every file and of the journal.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 2, 5},
		}),
		sinkBatches: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tslogs_sink_batches_per_sync",
			Help:    "Batches (requests) made durable by one write+fsync (group commit).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64},
		}),
		sinkBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tslogs_sink_written_bytes_total",
			Help: "Bytes written and fsynced to output files, by file kind.",
		}, []string{"file"}),
		sinkErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tslogs_sink_errors_total",
			Help: "Failed commits, by the file that failed (network, audit, deadletter, journal).",
		}, []string{"file"}),
		torn: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tslogs_sink_torn_bytes_truncated_total",
			Help: "Bytes after the last newline of an output file (an unacknowledged torn write) truncated when the file was opened.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.inflight, m.inflightBytes, m.refused, m.duplicates, m.summarised, m.rolledBack,
		m.records, m.rejected, m.received,
		m.decompressed, m.sinkLatency, m.sinkBatches, m.sinkBytes, m.sinkErrors, m.torn,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, k := range []string{KindNetwork, KindAudit, KindDeadLetter, kindJournal} {
		m.sinkErrors.WithLabelValues(k)
	}
	for _, r := range []string{"memory", "draining", "slow"} {
		m.refused.WithLabelValues(r)
	}
	for _, t := range []string{"network", "audit"} {
		m.records.WithLabelValues(t)
		m.rejected.WithLabelValues(t)
	}
	m.rejected.WithLabelValues("unknown")
	return m
}
