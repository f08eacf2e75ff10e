"""The installation's seal: the private key and certificate that seal every signed copy
(documents.seal), read from the files the settings name.

Either a PEM key with its PEM certificate (SEAL_KEY_PATH, SEAL_CERTIFICATE_PATH; the
certificate file may carry the issuers after it) — `manage.py make_signing_certificate`
makes a self-signed pair — or a PKCS#12 file (SEAL_PKCS12_PATH), as a certificate
authority delivers one. SEAL_KEY_PASSWORD opens an encrypted key or the PKCS#12 file.
In development (SEAL_CREATE_IF_MISSING) a missing pair is made on first use.

Nothing here is cached: the files are read at each use (a signature or a verification,
both rare), so a rotated certificate is used at once, by every process."""

import datetime
import fcntl
import functools
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings

KEY_SIZE = 3072  # RSA: what every PDF reader checks; 3072 bits is good past 2030 (NIST SP 800-57)
DEFAULT_DAYS = 5 * 365 + 1
EXPIRY_WARNING_DAYS = 30

SealKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class SealUnavailable(Exception):
    """No usable key and certificate. The message is for operators and logs (it names files,
    never key material); people signing are told only that the copy cannot be made now."""


@dataclass(frozen=True)
class SealKeys:
    key: SealKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # the issuers of a certificate authority's certificate, if any

    @property
    def fingerprint(self) -> str:
        return certificate_fingerprint(self.certificate)

    @property
    def subject(self) -> str:
        return certificate_subject(self.certificate)


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    """The SHA-256 of the certificate (its DER bytes), as PDF readers show it."""
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def certificate_subject(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def _password() -> bytes | None:
    return settings.SEAL_KEY_PASSWORD.encode() if settings.SEAL_KEY_PASSWORD else None


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SealUnavailable(f"The seal's {what} file does not exist: {path}.") from None
    except OSError as error:
        raise SealUnavailable(f"The seal's {what} file cannot be read: {path} ({error.strerror}).") from None


def _usable_key(key: object, where: Path) -> SealKey:
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise SealUnavailable(f"The seal's key in {where} is neither an RSA nor an elliptic-curve key.")
    return key


def _from_pem(key_path: Path, certificate_path: Path) -> SealKeys:
    try:
        key = serialization.load_pem_private_key(_read(key_path, "key"), password=_password())
    except TypeError:
        raise SealUnavailable(f"The seal's key {key_path} is encrypted: set SEAL_KEY_PASSWORD.") from None
    except ValueError:
        raise SealUnavailable(
            f"The seal's key {key_path} cannot be read: not a PEM private key, or SEAL_KEY_PASSWORD is wrong."
        ) from None
    try:
        certificates = x509.load_pem_x509_certificates(_read(certificate_path, "certificate"))
    except ValueError:
        raise SealUnavailable(f"The seal's certificate {certificate_path} is not a PEM certificate.") from None
    return SealKeys(key=_usable_key(key, key_path), certificate=certificates[0], chain=tuple(certificates[1:]))


def _from_pkcs12(path: Path) -> SealKeys:
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(_read(path, "PKCS#12"), _password())
    except ValueError:
        raise SealUnavailable(
            f"The seal's PKCS#12 file {path} cannot be opened: damaged, or SEAL_KEY_PASSWORD is wrong."
        ) from None
    if key is None or certificate is None:
        raise SealUnavailable(f"The seal's PKCS#12 file {path} must hold a private key and its certificate.")
    return SealKeys(key=_usable_key(key, path), certificate=certificate, chain=tuple(chain))


def _public_bytes(key: object) -> bytes:
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return b""
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _checked(keys: SealKeys, where: str) -> SealKeys:
    if _public_bytes(keys.key.public_key()) != _public_bytes(keys.certificate.public_key()):
        raise SealUnavailable(f"The seal's key and certificate ({where}) do not belong together.")
    return keys


def configured_paths() -> tuple[Path, Path] | None:
    """The PEM key and certificate paths, or None when a PKCS#12 file is configured instead."""
    if settings.SEAL_PKCS12_PATH:
        return None
    if not settings.SEAL_KEY_PATH or not settings.SEAL_CERTIFICATE_PATH:
        raise SealUnavailable(
            "No seal certificate is configured: set SEAL_KEY_PATH and SEAL_CERTIFICATE_PATH and run "
            "`manage.py make_signing_certificate`, or set SEAL_PKCS12_PATH (and SEAL_KEY_PASSWORD)."
        )
    return Path(settings.SEAL_KEY_PATH), Path(settings.SEAL_CERTIFICATE_PATH)


FileStamp = tuple[int, int, int]


def _stamp(*paths: Path) -> tuple[FileStamp, ...] | None:
    """What changes when a file is replaced (a rotation writes new files): None if one is missing."""
    try:
        return tuple((stat.st_ino, stat.st_mtime_ns, stat.st_size) for stat in (path.stat() for path in paths))
    except OSError:
        return None


def _load(paths: tuple[Path, ...]) -> SealKeys:
    if len(paths) == 1:
        return _checked(_from_pkcs12(paths[0]), str(paths[0]))
    return _checked(_from_pem(paths[0], paths[1]), f"{paths[0]}, {paths[1]}")


@functools.lru_cache(maxsize=8)
def _load_once(paths: tuple[Path, ...], stamp: tuple[FileStamp, ...], password: str) -> SealKeys:
    """Loading a key costs about 200 ms (OpenSSL checks an RSA key as it reads it): once per process
    for each version of the files (and password), so a rotated pair is used from its first use on,
    without a restart. A failure is not kept: it is tried again next time."""
    return _load(paths)


def _current(*, make: bool) -> SealKeys:
    configured = configured_paths()
    if configured is not None and make and settings.SEAL_CREATE_IF_MISSING:
        _make_development_pair(*configured)
    paths = configured or (Path(settings.SEAL_PKCS12_PATH),)
    stamp = _stamp(*paths)
    if stamp is None:  # a file is missing: reading it says which one
        return _load(paths)
    return _load_once(paths, stamp, settings.SEAL_KEY_PASSWORD)


def seal_keys() -> SealKeys:
    """The key and certificate that seal signed copies now; SealUnavailable saying why not.
    In development, a pair that does not exist yet is made first."""
    return _current(make=True)


def seal_certificates() -> list[x509.Certificate]:
    """Every certificate whose seal is this installation's: the current one (when it can be read)
    and those it replaced (SEAL_PREVIOUS_CERTIFICATE_PATHS). Makes nothing."""
    certificates = []
    try:
        paths = configured_paths()
        if paths is None:
            certificates.append(_current(make=False).certificate)
        else:  # the certificate alone: a key that cannot be read does not hide whose copies these are
            certificates.append(x509.load_pem_x509_certificates(_read(paths[1], "certificate"))[0])
    except (SealUnavailable, ValueError):
        pass  # the system check reports it; copies sealed before are still recognised by the others
    for name in settings.SEAL_PREVIOUS_CERTIFICATE_PATHS:
        try:
            certificates.append(x509.load_pem_x509_certificates(Path(name).read_bytes())[0])
        except (OSError, ValueError):
            continue  # reported by the system check documents.W003
    return certificates


def default_common_name() -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"{settings.SITE_NAME} seal ({host})"


def certificate_build(*, key: SealKey, common_name: str, organization: str, days: int) -> x509.Certificate:
    """A self-signed certificate for sealing documents: digital signatures and non-repudiation.
    It says it is a certificate authority that may issue no other authority (path length 0),
    because NSS-based PDF readers (Okular, Evince, LibreOffice) accept only an authority as a
    trust anchor: without it a clinic that trusts the certificate still sees "issuer unknown"."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))  # a reader whose clock is a little behind
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write through a new file with its final mode from the start, then move it into place:
    the key is never readable by others, not even for a moment, and never half-written."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(descriptor, mode)  # the umask cannot widen it, but may narrow a certificate's 0644
        os.write(descriptor, data)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(temporary, path)


def retired_certificate_path(certificate_path: Path, certificate: x509.Certificate) -> Path:
    day = datetime.datetime.now(datetime.UTC).date().isoformat()
    return certificate_path.with_name(
        f"{certificate_path.stem}-retired-{day}-{certificate_fingerprint(certificate)[:12]}{certificate_path.suffix}"
    )


def certificate_files_make(
    *,
    key_path: Path,
    certificate_path: Path,
    common_name: str,
    organization: str,
    days: int = DEFAULT_DAYS,
    force: bool = False,
) -> tuple[x509.Certificate, Path | None]:
    """Make a new key (mode 0600, encrypted with SEAL_KEY_PASSWORD when set) and its self-signed
    certificate. An existing pair is replaced only with `force`; the certificate it replaces is
    kept beside it (returned), so copies sealed with it can still be recognised; its key is not."""
    existing = [path for path in (key_path, certificate_path) if path.exists()]
    if existing and not force:
        raise FileExistsError(", ".join(str(path) for path in existing))
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    certificate = certificate_build(key=key, common_name=common_name, organization=organization, days=days)
    password = _password()
    encryption = (
        serialization.BestAvailableEncryption(password) if password is not None else serialization.NoEncryption()
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    key_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    certificate_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    retired = None
    if certificate_path.exists():
        try:
            old = x509.load_pem_x509_certificates(certificate_path.read_bytes())[0]
        except ValueError:
            old = None  # not a certificate: nothing to keep
        if old is not None:
            retired = retired_certificate_path(certificate_path, old)
            _write(retired, old.public_bytes(serialization.Encoding.PEM), 0o644)
    _write(key_path, key_pem, 0o600)
    _write(certificate_path, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
    return certificate, retired


def _make_development_pair(key_path: Path, certificate_path: Path) -> None:
    """Development only: make the pair on first use, once, whichever process gets there first."""
    if key_path.exists() and certificate_path.exists():
        return
    key_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(key_path.parent / ".make.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if key_path.exists() or certificate_path.exists():
            return  # made meanwhile (or half there: reading it says what is missing)
        certificate_files_make(
            key_path=key_path,
            certificate_path=certificate_path,
            common_name=f"{default_common_name()} — development only",
            organization=settings.SITE_NAME,
        )
