package postgres

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// poolCollector exposes the pool's connection counts, so saturation shows
// before requests start waiting.
type poolCollector struct {
	pool                                  *pgxpool.Pool
	acquired, idle, total, max, waitCount *prometheus.Desc
}

// PoolCollector returns a Prometheus collector for pool.
func PoolCollector(pool *pgxpool.Pool) prometheus.Collector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("console_db_pool_"+name, help, nil, nil)
	}
	return &poolCollector{pool: pool,
		acquired:  d("acquired_conns", "Connections in use."),
		idle:      d("idle_conns", "Idle connections."),
		total:     d("total_conns", "Open connections."),
		max:       d("max_conns", "Pool size limit."),
		waitCount: d("empty_acquire_total", "Acquires that had to wait for a connection."),
	}
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.acquired, c.idle, c.total, c.max, c.waitCount} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(c.acquired, prometheus.GaugeValue, float64(s.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(s.IdleConns()))
	ch <- prometheus.MustNewConstMetric(c.total, prometheus.GaugeValue, float64(s.TotalConns()))
	ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(c.waitCount, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
}
