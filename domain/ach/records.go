package ach

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// shortHash is a hash's first 12 hex digits, for the audit trail: too
// short to hold a run of digits the card-number check would take for one.
func shortHash(h string) string { return h[:min(12, len(h))] }

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// File is a NACHA file the console made, kept with its content.
type File struct {
	ID          int64
	Window      string // the cutoff it is for ("2026-12-02T14:45-05:00", or "forced:…"): one file each
	Name        string
	Content     []byte // the NACHA text, when read for use: it holds account numbers
	Ciphertext  []byte // how it is kept: keyring-encrypted, bound to its window
	SHA256      string // of the NACHA text
	Modifier    string
	Batches     int
	Entries     int
	Debits      int64
	Credits     int64
	Status      string // generated, delivered
	Location    string // where it was delivered
	CreatedAt   time.Time
	DeliveredAt time.Time
}

// InboundFile is a file of returns or changes the bank sent.
type InboundFile struct {
	ID         int64
	Name       string
	Source     string // upload, directory, s3
	SHA256     string
	Status     string // applied, rejected
	Error      string // moov's refusal, for a rejected file
	Returns    int
	NOCs       int
	Unmatched  int
	ReceivedAt time.Time
	By         string
}

// ReturnRecord is one return of an inbound file, matched to its transfer
// by trace number when one is ours.
type ReturnRecord struct {
	ID             int64
	InboundID      int64
	TransferID     int64 // 0: no transfer of ours has the trace
	TransferPublic string
	OriginalTrace  string
	Kind           ReturnKind
	Code           string
	Reason         string
	Description    string
	Amount         int64
	ReceivedAt     time.Time
}

// Query selects transfers, newest first.
type Query struct {
	Status   Status
	Customer string
	Account  string // public id
	After    string // continue after this public id
	Limit    int
}
