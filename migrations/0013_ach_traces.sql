-- Trace numbers never repeat across files: each file takes its sequences
-- from a counter per bank identification (the ODFI's 8 digits), reserved
-- in the cutoff's transaction.
CREATE TABLE ach_trace_counters (
    odfi text PRIMARY KEY,
    next bigint NOT NULL CHECK (next BETWEEN 1 AND 10000000)
);
