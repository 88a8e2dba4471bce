package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The bulk seeders below write a large, plausible history with INSERT …
// SELECT generate_series, for load tests and `console seed --scale`: rows
// that need nothing computed in Go, spread over SeedMonths months up to
// now, the i-th row of a kind older than the (i+1)-th. Their refs start
// with "seed:" so a second run can be refused. Ciphertexts (a payment's
// client secret, an account number, a file) are copied from the demo's
// rows: well formed, but bound to another row, so they do not decrypt;
// the generated payments and transfers are therefore past the states that
// read them. owner is the schema's owner.

// SeedMonths is how far back the bulk history reaches.
const SeedMonths = 18

// seedAge is the age of the g-th of n rows, spread evenly over SeedMonths.
const seedAge = `((($1::bigint - g)::float8 / $1) * interval '548 days')`

// SeededAlready reports whether the bulk seeders have run on this database.
func SeededAlready(ctx context.Context, db *pgxpool.Pool) (bool, error) {
	var seeded bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM payments WHERE request_ref LIKE 'seed:%')
		OR EXISTS (SELECT 1 FROM ach_accounts WHERE request_ref LIKE 'seed:%')`).Scan(&seeded)
	return seeded, err
}

// SeedAuditPartitions creates the audit log's monthly partitions for the
// SeedMonths before the current one, as the owner would have created them
// ahead at the time, so old entries do not land in the default partition.
func SeedAuditPartitions(ctx context.Context, owner *pgxpool.Pool) error {
	_, err := owner.Exec(ctx, fmt.Sprintf(`DO $$
	DECLARE
		m date;
		name text;
	BEGIN
		FOR i IN 1..%d LOOP
			m := (date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => i))::date;
			name := format('audit_log_%%s', to_char(m, 'YYYY_MM'));
			IF to_regclass(name) IS NULL THEN
				EXECUTE format('CREATE TABLE %%I PARTITION OF audit_log FOR VALUES FROM (%%L) TO (%%L)',
					name, m::timestamp AT TIME ZONE 'UTC', (m + interval '1 month')::timestamp AT TIME ZONE 'UTC');
				EXECUTE format('CREATE TRIGGER no_truncate BEFORE TRUNCATE ON %%I FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()', name);
				EXECUTE format('REVOKE ALL ON %%I FROM console_app', name);
			END IF;
		END LOOP;
	END $$`, SeedMonths+1))
	return err
}

// SeedPayments writes n card payments over n/20 customers (mostly
// succeeded, some failed, canceled or still in flight; one in fifty Radar
// found elevated), each with its status history, a refund for one in
// fifty succeeded, a dispute for one in five hundred and a Radar review
// for the elevated.
func SeedPayments(ctx context.Context, owner *pgxpool.Pool, n int) error {
	return execAll(ctx, owner, []string{`INSERT INTO payments (public_id, request_ref, intent_id, amount, currency, customer_ref, description,
		metadata, status, status_at, failure_code, failure_message, card_brand, card_last4, card_country, card_fingerprint, risk_level,
		risk_score, client_secret, livemode, created_at, created_by)
		SELECT 'pay_' || substr(md5('seed:' || g), 1, 24), 'seed:' || g, 'pi_seed' || g, 500 + (g::bigint * 7919) % 250000,
			(ARRAY['USD', 'USD', 'USD', 'USD', 'EUR', 'GBP'])[1 + g % 6], 'cus-' || (g % greatest($1 / 20, 1)),
			'Order ' || (200000 + g), '{"source": "seed"}', s.status, t.at + interval '4 seconds',
			CASE s.status WHEN 'failed' THEN 'card_declined' ELSE '' END, CASE s.status WHEN 'failed' THEN 'Your card was declined.' ELSE '' END,
			(ARRAY['visa', 'mastercard', 'amex', 'discover'])[1 + g % 4], lpad((g % 10000)::text, 4, '0'),
			(ARRAY['US', 'US', 'US', 'GB', 'DE', 'CA'])[1 + g % 6], 'fp-' || (g % greatest($1 / 10, 1)),
			CASE WHEN g % 50 = 0 THEN 'elevated' ELSE 'normal' END, CASE WHEN g % 50 = 0 THEN 70 + g % 20 ELSE g % 60 END,
			coalesce((SELECT client_secret FROM payments ORDER BY id LIMIT 1), '\x00'), false, t.at, 'ak_checkout_prod'
		FROM generate_series(1, $1) g,
			LATERAL (SELECT date_trunc('second', now() - ` + seedAge + `) AS at) t,
			LATERAL (SELECT CASE WHEN g % 100 < 86 THEN 'succeeded' WHEN g % 100 < 94 THEN 'failed' WHEN g % 100 < 97 THEN 'canceled'
				WHEN g % 100 < 98 THEN 'processing' WHEN g % 100 < 99 THEN 'requires_action' ELSE 'open' END AS status) s`,
		`INSERT INTO payment_history (payment_id, status, at, source)
		SELECT id, 'open', created_at, 'api' FROM payments WHERE request_ref LIKE 'seed:%'
		UNION ALL
		SELECT id, status, status_at, 'evt_seed' || id FROM payments WHERE request_ref LIKE 'seed:%' AND status <> 'open'
		ORDER BY 1, 3`,
		`INSERT INTO refunds (payment_id, provider_id, amount, currency, reason, status, status_at, requested_by, created_at)
		SELECT id, 're_seed' || id, amount / 2, currency, 'requested_by_customer', 'succeeded', status_at + interval '2 days', 'dana.reyes',
			status_at + interval '2 days'
		FROM payments WHERE request_ref LIKE 'seed:%' AND status = 'succeeded' AND id % 50 = 7`,
		`INSERT INTO disputes (provider_id, payment_id, amount, currency, reason, status, evidence_due_by, opened_at, updated_at)
		SELECT 'dp_seed' || id, id, amount, currency, (ARRAY['fraudulent', 'product_not_received', 'duplicate'])[1 + id % 3],
			CASE WHEN status_at > now() - interval '30 days' THEN 'needs_response' WHEN id % 3 = 0 THEN 'lost' ELSE 'won' END,
			status_at + interval '21 days', status_at + interval '5 days', status_at + interval '5 days'
		FROM payments WHERE request_ref LIKE 'seed:%' AND status = 'succeeded' AND id % 500 = 11`,
		`INSERT INTO radar_reviews (provider_id, payment_id, reason, open, closed_reason, opened_at, updated_at)
		SELECT 'prv_seed' || id, id, 'rule', status_at > now() - interval '7 days',
			CASE WHEN status_at > now() - interval '7 days' THEN '' ELSE 'approved' END, created_at, status_at
		FROM payments WHERE request_ref LIKE 'seed:%' AND risk_level = 'elevated'`,
		`VACUUM ANALYZE payments, payment_history, refunds, disputes, radar_reviews`,
	}, n)
}

// SeedScreeningParties writes n screened customers against the active
// list version, each with its result: nearly all clear, a few held or
// blocked.
func SeedScreeningParties(ctx context.Context, owner *pgxpool.Pool, n int) error {
	return execAll(ctx, owner, []string{`INSERT INTO screening_parties (ref, name, type, dob_year, country, status, screened_at, version_id)
		SELECT 'customer:seed-' || g,
			(ARRAY['Olivia', 'Liam', 'Amara', 'Kenji', 'Sofia', 'Mateo', 'Priya', 'Noah', 'Fatima', 'Lucas'])[1 + g % 10] || ' ' ||
			(ARRAY['Garcia', 'Smith', 'Okafor', 'Tanaka', 'Rossi', 'Novak', 'Patel', 'Dubois', 'Haddad', 'Silva', 'Kowalski'])[1 + g % 11],
			'individual', 1940 + g % 65, (ARRAY['US', 'GB', 'DE', 'NG', 'JP', 'BR', 'IN'])[1 + g % 7],
			CASE WHEN g % 200 = 0 THEN 'blocked' WHEN g % 67 = 0 THEN 'held' ELSE 'clear' END, now() - ` + seedAge + `, v.id
		FROM generate_series(1, $1) g, (SELECT id FROM screening_versions WHERE active) v`,
		`INSERT INTO screening_results (party_ref, version_id, status, hits, trigger, at)
		SELECT ref, version_id, status, '[]', 'onboarding', screened_at FROM screening_parties WHERE ref LIKE 'customer:seed-%' ORDER BY screened_at`,
		`VACUUM ANALYZE screening_parties, screening_results`,
	}, n)
}

// SeedACH writes n transfers over n/10 verified bank accounts, in one
// file a day: nearly all settled, some returned (R01), some canceled
// before their file.
func SeedACH(ctx context.Context, owner *pgxpool.Pool, n int) error {
	return execAll(ctx, owner, []string{`INSERT INTO ach_accounts (public_id, request_ref, customer_ref, holder_name, holder_type, type, routing,
		ciphertext, last4, token, status, created_at, created_by)
		SELECT 'ba_' || substr(md5('seed:account:' || g), 1, 24), 'seed:account:' || g, 'cus-' || g,
			'Holder ' || g, CASE WHEN g % 5 = 0 THEN 'business' ELSE 'individual' END, 'checking',
			(ARRAY['021000021', '011000015', '026009593', '121000358'])[1 + g % 4],
			coalesce((SELECT ciphertext FROM ach_accounts ORDER BY id LIMIT 1), '\x00'), lpad((g % 10000)::text, 4, '0'),
			md5('seed:token:' || g), 'verified', now() - interval '549 days', 'dana.reyes'
		FROM generate_series(1, greatest($1 / 10, 1)) g`,
		`INSERT INTO ach_files (window_key, name, ciphertext, sha256, modifier, batches, entries, debits, credits, status, location,
		created_at, delivered_at)
		SELECT 'seed:' || d::date, 'ACH_' || to_char(d, 'YYYYMMDD') || '_A.ach',
			coalesce((SELECT ciphertext FROM ach_files ORDER BY id LIMIT 1), '\x00'), md5('seed:file:' || d), 'A', 1, 0, 0, 0,
			'delivered', 'seed', d + interval '17 hours', d + interval '17 hours 5 minutes'
		FROM generate_series(date_trunc('day', now() - interval '548 days'), now() - interval '1 day', interval '1 day') d
		WHERE $1 > 0`,
		`INSERT INTO ach_transfers (public_id, request_ref, account_id, customer_ref, direction, amount, sec, company_name, description,
		effective, same_day, status, trace_number, file_id, return_code, return_reason, purpose, created_at, created_by, approved_by)
		SELECT 'tr_' || substr(md5('seed:transfer:' || g), 1, 24), 'seed:transfer:' || g, a.id, a.customer_ref,
			CASE WHEN g % 3 = 0 THEN 'debit' ELSE 'credit' END, 1000 + (g::bigint * 7919) % 900000,
			CASE WHEN a.holder_type = 'business' THEN 'CCD' ELSE 'PPD' END, CASE WHEN a.holder_type = 'business' THEN upper(a.holder_name) ELSE '' END,
			CASE WHEN g % 3 = 0 THEN 'INVOICE' ELSE 'PAYOUT' END, (t.at + interval '1 day')::date, false,
			CASE WHEN g % 50 = 0 THEN 'canceled' WHEN g % 40 = 0 THEN 'returned' ELSE 'settled' END,
			CASE WHEN g % 50 <> 0 THEN '9' || lpad(g::text, 14, '0') END, CASE WHEN g % 50 <> 0 THEN f.id END,
			CASE WHEN g % 50 <> 0 AND g % 40 = 0 THEN 'R01' ELSE '' END,
			CASE WHEN g % 50 <> 0 AND g % 40 = 0 THEN 'Insufficient Funds' ELSE '' END, 'payment', t.at, 'dana.reyes', 'omar.said'
		FROM generate_series(1, $1) g
			CROSS JOIN LATERAL (SELECT now() - ` + seedAge + ` AS at) t
			JOIN ach_accounts a ON a.request_ref = 'seed:account:' || (1 + g % greatest($1 / 10, 1))
			LEFT JOIN ach_files f ON f.window_key = 'seed:' || least(t.at::date, (now() - interval '1 day')::date)`,
		`UPDATE ach_files f SET entries = s.entries, debits = s.debits, credits = s.credits
		FROM (SELECT file_id, count(*) AS entries, coalesce(sum(amount) FILTER (WHERE direction = 'debit'), 0) AS debits,
			coalesce(sum(amount) FILTER (WHERE direction = 'credit'), 0) AS credits
			FROM ach_transfers WHERE request_ref LIKE 'seed:%' AND file_id IS NOT NULL GROUP BY file_id) s
		WHERE f.id = s.file_id`,
		`INSERT INTO ach_transfer_events (transfer_id, at, status, actor, detail)
		SELECT id, created_at, 'created', created_by, '' FROM ach_transfers WHERE request_ref LIKE 'seed:%'
		UNION ALL
		SELECT id, created_at + interval '1 day', status, 'system', return_reason FROM ach_transfers WHERE request_ref LIKE 'seed:%'
		ORDER BY 1, 2`,
		`VACUUM ANALYZE ach_accounts, ach_files, ach_transfers, ach_transfer_events`,
	}, n)
}

// SeedEscrows writes n escrows like the demo's (its payee and policy),
// each funded; one in five has a release waiting for its approvers, one
// in three a release they rejected. It needs the demo escrow.
func SeedEscrows(ctx context.Context, owner *pgxpool.Pool, n int) error {
	return execAll(ctx, owner, []string{`INSERT INTO escrows (public_id, request_ref, payer_ref, payer_name, payee_name, payee_type,
		payee_kind, payee_account, payee_token, currency, conditions, created_by, created_at)
		SELECT 'esc_' || substr(md5('seed:escrow:' || g), 1, 24), 'seed:escrow:' || g, 'cus-' || g, 'Buyer ' || g, d.payee_name,
			d.payee_type, d.payee_kind, d.payee_account, d.payee_token, d.currency, d.conditions, d.created_by, now() - ` + seedAge + `
		FROM generate_series(1, $1) g, (SELECT * FROM escrows ORDER BY id LIMIT 1) d`,
		`INSERT INTO escrow_policies (escrow_id, version, rules, status, proposed_by, proposed_at)
		SELECT e.id, 1, p.rules, 'active', e.created_by, e.created_at
		FROM escrows e, (SELECT rules FROM escrow_policies ORDER BY escrow_id, version LIMIT 1) p WHERE e.request_ref LIKE 'seed:%'`,
		`INSERT INTO escrow_postings (escrow_id, kind, amount, source_ref, by_actor, at)
		SELECT id, 'funded', 500000, 'pay_seedfund' || id, created_by, created_at + interval '1 hour' FROM escrows WHERE request_ref LIKE 'seed:%'`,
		`INSERT INTO escrow_releases (public_id, request_ref, escrow_id, amount, policy_version, nonce, reason, status, requested_by,
		requested_at, expires_at, decided_by, decided_at, note)
		SELECT 'rel_' || substr(md5('seed:release:' || e.id), 1, 24), 'seed:release:' || e.id, e.id, 40000 + e.id % 50000, 1,
			md5('seed:nonce:' || e.id), 'Milestone ' || (1 + e.id % 4) || ': delivery received and inspected',
			CASE WHEN e.id % 5 = 0 THEN 'pending' ELSE 'rejected' END, 'omar.said', r.at,
			CASE WHEN e.id % 5 = 0 THEN now() + interval '7 days' ELSE r.at + interval '7 days' END,
			CASE WHEN e.id % 5 = 0 THEN '' ELSE 'ben.okafor' END, CASE WHEN e.id % 5 <> 0 THEN r.at + interval '1 day' END,
			CASE WHEN e.id % 5 = 0 THEN '' ELSE 'The inspection report is missing' END
		FROM escrows e CROSS JOIN LATERAL (SELECT CASE WHEN e.id % 5 = 0 THEN now() - (e.id % 72) * interval '1 hour'
			ELSE e.created_at + interval '10 days' END AS at) r
		WHERE e.request_ref LIKE 'seed:%' AND (e.id % 5 = 0 OR e.id % 3 = 0)`,
		`INSERT INTO escrow_postings (escrow_id, kind, amount, release_id, by_actor, at)
		SELECT escrow_id, 'held', amount, id, requested_by, requested_at FROM escrow_releases WHERE request_ref LIKE 'seed:%' AND status = 'pending'`,
		`VACUUM ANALYZE escrows, escrow_policies, escrow_postings, escrow_releases`,
	}, n)
}

// execAll runs each statement in turn, those that take it with n as $1.
func execAll(ctx context.Context, owner *pgxpool.Pool, stmts []string, n int) error {
	for _, s := range stmts {
		var err error
		if strings.Contains(s, "$1") {
			_, err = owner.Exec(ctx, s, n)
		} else {
			_, err = owner.Exec(ctx, s)
		}
		if err != nil {
			return fmt.Errorf("bulk seed: %w", err)
		}
	}
	return nil
}
