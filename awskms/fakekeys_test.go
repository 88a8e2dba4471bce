package awskms

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
)

// The fake's key store: real key material per key, so the provider is
// tested against real cryptography, not canned answers.

const (
	fakeRegion  = "us-east-1"
	fakeAccount = "111122223333"
	arnPrefix   = "arn:aws:kms:" + fakeRegion + ":" + fakeAccount + ":"
)

type fakeKey struct {
	id, arn  string
	spec     string   // SYMMETRIC_DEFAULT, HMAC_256, ECC_NIST_P256, ECC_NIST_P384
	usage    string   // ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC, SIGN_VERIFY
	material [][]byte // AES-256 versions, oldest first; rotation appends
	hmacKey  []byte
	signer   *ecdsa.PrivateKey
}

// createKey makes a key of spec, as CreateKey would, and returns its key id.
func (f *fakeKMS) createKey(spec string) string {
	id := newUUID()
	k := &fakeKey{id: id, arn: arnPrefix + "key/" + id, spec: spec}
	switch spec {
	case "SYMMETRIC_DEFAULT":
		k.usage, k.material = "ENCRYPT_DECRYPT", [][]byte{randomBytes(32)}
	case "HMAC_256":
		k.usage, k.hmacKey = "GENERATE_VERIFY_MAC", randomBytes(32)
	case "ECC_NIST_P256", "ECC_NIST_P384":
		curve := elliptic.P256()
		if spec == "ECC_NIST_P384" {
			curve = elliptic.P384()
		}
		signer, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			panic(err)
		}
		k.usage, k.signer = "SIGN_VERIFY", signer
	default:
		panic("fake KMS: unsupported key spec " + spec)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys[id] = k
	return id
}

// createAlias points alias ("alias/name") at a key, as CreateAlias would.
func (f *fakeKMS) createAlias(alias, keyID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.aliases[alias] = keyID
}

// rotate adds new material to a symmetric key, as automatic or on-demand
// rotation does: same key id, new material for new ciphertexts, old
// material kept for old ones.
func (f *fakeKMS) rotate(keyID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, e := f.lookup(keyID)
	if e != nil {
		panic(e.Message)
	}
	k.material = append(k.material, randomBytes(32))
}

// arn returns the key ARN of a key named in any form KMS accepts.
func (f *fakeKMS) arn(keyID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, e := f.lookup(keyID)
	if e != nil {
		panic(e.Message)
	}
	return k.arn
}

// lookup finds a key by key id, key ARN, alias name or alias ARN, the four
// forms KMS accepts in KeyId. Callers hold f.mu.
func (f *fakeKMS) lookup(keyID string) (*fakeKey, *opError) {
	name := strings.TrimPrefix(keyID, arnPrefix)
	if id, ok := f.aliases[name]; ok {
		name = id
	}
	k, ok := f.keys[strings.TrimPrefix(name, "key/")]
	if !ok {
		return nil, kmsError("NotFoundException", "Key '%s' does not exist", keyID)
	}
	return k, nil
}

// Ciphertext blob: 0x01 | 36-byte key id | uint32 material version | 12-byte
// nonce | AES-256-GCM box, with the header and the encryption context as
// additional data, so neither can be changed or omitted.
const blobHeaderSize = 1 + 36 + 4

func (k *fakeKey) seal(plaintext []byte, encCtx map[string]string) []byte {
	version := len(k.material) - 1
	blob := append([]byte{0x01}, k.id...)
	blob = binary.BigEndian.AppendUint32(blob, uint32(version))
	nonce := randomBytes(12)
	aad := append(bytes.Clone(blob), canonicalContext(encCtx)...)
	blob = append(blob, nonce...)
	return newAEAD(k.material[version]).Seal(blob, nonce, plaintext, aad)
}

// blobKeyID is the key id a blob names, or "" if it is not one of ours.
func blobKeyID(blob []byte) string {
	if len(blob) < blobHeaderSize+12+16 || blob[0] != 0x01 {
		return ""
	}
	return string(blob[1:37])
}

func (k *fakeKey) open(blob []byte, encCtx map[string]string) ([]byte, error) {
	version := int(binary.BigEndian.Uint32(blob[37:blobHeaderSize]))
	if version >= len(k.material) {
		return nil, fmt.Errorf("no material version %d", version)
	}
	aad := append(bytes.Clone(blob[:blobHeaderSize]), canonicalContext(encCtx)...)
	nonce := blob[blobHeaderSize : blobHeaderSize+12]
	return newAEAD(k.material[version]).Open(nil, nonce, blob[blobHeaderSize+12:], aad)
}

// canonicalContext serialises an encryption context independent of key
// order (encoding/json sorts map keys); no context and an empty one match.
func canonicalContext(encCtx map[string]string) []byte {
	if encCtx == nil {
		encCtx = map[string]string{}
	}
	b, _ := json.Marshal(encCtx)
	return b
}

func newAEAD(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

func newUUID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}
