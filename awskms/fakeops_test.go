package awskms

import (
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
)

// The fake's operations. Field names and limits follow the KMS API
// reference; only the fields the fake supports are accepted.

type grantTokens = []string // accepted and ignored, as without grants

// keyFor looks up a key for an operation that needs the given key usage.
// Callers hold f.mu.
func (f *fakeKMS) keyFor(keyID, usage string) (*fakeKey, *opError) {
	k, e := f.lookup(keyID)
	if e != nil {
		return nil, e
	}
	if k.usage != usage {
		return nil, kmsError("InvalidKeyUsageException", "%s key usage is %s, not %s", k.arn, k.usage, usage)
	}
	return k, nil
}

func (f *fakeKMS) generateDataKey(body []byte) (any, *opError) {
	req, e := decode[struct {
		KeyId             string
		KeySpec           string
		NumberOfBytes     int
		EncryptionContext map[string]string
		GrantTokens       grantTokens
	}](body)
	if e != nil {
		return nil, e
	}
	if req.KeyId == "" {
		return nil, rejectf("KeyId is required")
	}
	var n int
	switch {
	case req.KeySpec != "" && req.NumberOfBytes != 0:
		return nil, rejectf("specify KeySpec or NumberOfBytes, not both")
	case req.KeySpec == "AES_256":
		n = 32
	case req.KeySpec == "AES_128":
		n = 16
	case req.KeySpec == "" && req.NumberOfBytes >= 1 && req.NumberOfBytes <= 1024:
		n = req.NumberOfBytes
	default:
		return nil, rejectf("KeySpec %q / NumberOfBytes %d invalid", req.KeySpec, req.NumberOfBytes)
	}
	k, e := f.keyFor(req.KeyId, "ENCRYPT_DECRYPT")
	if e != nil {
		return nil, e
	}
	plaintext := randomBytes(n)
	return struct {
		CiphertextBlob, Plaintext []byte
		KeyId                     string
	}{k.seal(plaintext, req.EncryptionContext), plaintext, k.arn}, nil
}

func (f *fakeKMS) decrypt(body []byte) (any, *opError) {
	req, e := decode[struct {
		CiphertextBlob      []byte
		EncryptionContext   map[string]string
		KeyId               string
		EncryptionAlgorithm string
		GrantTokens         grantTokens
	}](body)
	if e != nil {
		return nil, e
	}
	if len(req.CiphertextBlob) == 0 || len(req.CiphertextBlob) > 6144 {
		return nil, rejectf("CiphertextBlob must be 1 to 6144 bytes, got %d", len(req.CiphertextBlob))
	}
	if req.EncryptionAlgorithm != "" && req.EncryptionAlgorithm != "SYMMETRIC_DEFAULT" {
		return nil, rejectf("EncryptionAlgorithm %q is not for symmetric keys", req.EncryptionAlgorithm)
	}
	k, ok := f.keys[blobKeyID(req.CiphertextBlob)]
	if !ok || k.usage != "ENCRYPT_DECRYPT" {
		return nil, kmsError("InvalidCiphertextException", "")
	}
	if req.KeyId != "" {
		named, e := f.keyFor(req.KeyId, "ENCRYPT_DECRYPT")
		if e != nil {
			return nil, e
		}
		if named != k {
			return nil, kmsError("IncorrectKeyException", "The key ID in the request does not identify a KMS key that can perform this operation.")
		}
	}
	plaintext, err := k.open(req.CiphertextBlob, req.EncryptionContext)
	if err != nil {
		return nil, kmsError("InvalidCiphertextException", "")
	}
	return struct {
		KeyId, EncryptionAlgorithm string
		Plaintext                  []byte
	}{k.arn, "SYMMETRIC_DEFAULT", plaintext}, nil
}

type macRequest struct {
	KeyId, MacAlgorithm string
	Message, Mac        []byte
	GrantTokens         grantTokens
}

// macFor checks a GenerateMac or VerifyMac request and computes the MAC.
func (f *fakeKMS) macFor(req macRequest) (*fakeKey, []byte, *opError) {
	if req.KeyId == "" || req.MacAlgorithm == "" {
		return nil, nil, rejectf("KeyId and MacAlgorithm are required")
	}
	if len(req.Message) == 0 || len(req.Message) > 4096 {
		return nil, nil, rejectf("Message must be 1 to 4096 bytes, got %d", len(req.Message))
	}
	k, e := f.keyFor(req.KeyId, "GENERATE_VERIFY_MAC")
	if e != nil {
		return nil, nil, e
	}
	if req.MacAlgorithm != "HMAC_SHA_256" {
		return nil, nil, kmsError("InvalidKeyUsageException", "%s does not support %s", k.arn, req.MacAlgorithm)
	}
	m := hmac.New(sha256.New, k.hmacKey)
	m.Write(req.Message)
	return k, m.Sum(nil), nil
}

func (f *fakeKMS) generateMac(body []byte) (any, *opError) {
	req, e := decode[macRequest](body)
	if e != nil {
		return nil, e
	}
	if req.Mac != nil {
		return nil, rejectf("unknown field Mac")
	}
	k, mac, e := f.macFor(req)
	if e != nil {
		return nil, e
	}
	return struct {
		KeyId, MacAlgorithm string
		Mac                 []byte
	}{k.arn, req.MacAlgorithm, mac}, nil
}

func (f *fakeKMS) verifyMac(body []byte) (any, *opError) {
	req, e := decode[macRequest](body)
	if e != nil {
		return nil, e
	}
	if len(req.Mac) == 0 || len(req.Mac) > 64 {
		return nil, rejectf("Mac must be 1 to 64 bytes, got %d", len(req.Mac))
	}
	k, mac, e := f.macFor(req)
	if e != nil {
		return nil, e
	}
	if !hmac.Equal(mac, req.Mac) {
		return nil, kmsError("KMSInvalidMacException", "")
	}
	return struct {
		KeyId, MacAlgorithm string
		MacValid            bool
	}{k.arn, req.MacAlgorithm, true}, nil
}

type signRequest struct {
	KeyId, SigningAlgorithm, MessageType string
	Message, Signature                   []byte
	GrantTokens                          grantTokens
}

// digestFor checks a Sign or Verify request and returns the key and the
// SHA-256 digest to sign: KMS hashes RAW messages and takes DIGEST as is.
func (f *fakeKMS) digestFor(req signRequest) (*fakeKey, []byte, *opError) {
	if req.KeyId == "" || req.SigningAlgorithm == "" || len(req.Message) == 0 {
		return nil, nil, rejectf("KeyId, Message and SigningAlgorithm are required")
	}
	var digest []byte
	switch req.MessageType {
	case "", "RAW":
		if len(req.Message) > 4096 {
			return nil, nil, rejectf("RAW Message must be at most 4096 bytes, got %d", len(req.Message))
		}
		sum := sha256.Sum256(req.Message)
		digest = sum[:]
	case "DIGEST":
		if len(req.Message) != sha256.Size {
			return nil, nil, rejectf("DIGEST Message for ECDSA_SHA_256 must be 32 bytes, got %d", len(req.Message))
		}
		digest = req.Message
	default:
		return nil, nil, rejectf("MessageType %q", req.MessageType)
	}
	k, e := f.keyFor(req.KeyId, "SIGN_VERIFY")
	if e != nil {
		return nil, nil, e
	}
	if k.spec != "ECC_NIST_P256" || req.SigningAlgorithm != "ECDSA_SHA_256" {
		return nil, nil, kmsError("InvalidKeyUsageException", "%s (%s) does not support %s", k.arn, k.spec, req.SigningAlgorithm)
	}
	return k, digest, nil
}

func (f *fakeKMS) sign(body []byte) (any, *opError) {
	req, e := decode[signRequest](body)
	if e != nil {
		return nil, e
	}
	if req.Signature != nil {
		return nil, rejectf("unknown field Signature")
	}
	k, digest, e := f.digestFor(req)
	if e != nil {
		return nil, e
	}
	sig, err := ecdsa.SignASN1(rand.Reader, k.signer, digest)
	if err != nil {
		return nil, kmsError("KMSInternalException", "%v", err)
	}
	return struct {
		KeyId, SigningAlgorithm string
		Signature               []byte
	}{k.arn, req.SigningAlgorithm, sig}, nil
}

func (f *fakeKMS) verify(body []byte) (any, *opError) {
	req, e := decode[signRequest](body)
	if e != nil {
		return nil, e
	}
	if len(req.Signature) == 0 {
		return nil, rejectf("Signature is required")
	}
	k, digest, e := f.digestFor(req)
	if e != nil {
		return nil, e
	}
	if !ecdsa.VerifyASN1(&k.signer.PublicKey, digest, req.Signature) {
		return nil, kmsError("KMSInvalidSignatureException", "")
	}
	return struct {
		KeyId, SigningAlgorithm string
		SignatureValid          bool
	}{k.arn, req.SigningAlgorithm, true}, nil
}

func (f *fakeKMS) getPublicKey(body []byte) (any, *opError) {
	req, e := decode[struct {
		KeyId       string
		GrantTokens grantTokens
	}](body)
	if e != nil {
		return nil, e
	}
	if req.KeyId == "" {
		return nil, rejectf("KeyId is required")
	}
	k, e := f.lookup(req.KeyId)
	if e != nil {
		return nil, e
	}
	if k.signer == nil {
		return nil, kmsError("UnsupportedOperationException", "%s is not an asymmetric KMS key", k.arn)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.signer.PublicKey)
	if err != nil {
		return nil, kmsError("KMSInternalException", "%v", err)
	}
	algorithm := map[string]string{"ECC_NIST_P256": "ECDSA_SHA_256", "ECC_NIST_P384": "ECDSA_SHA_384"}[k.spec]
	return struct {
		KeyId, KeySpec, CustomerMasterKeySpec, KeyUsage string
		PublicKey                                       []byte
		SigningAlgorithms                               []string
	}{k.arn, k.spec, k.spec, k.usage, der, []string{algorithm}}, nil
}
