//! Bluetooth Heart Rate Measurement characteristic (GATT 0x2A37), the format every
//! chest strap and most watches send, parsed from raw notification bytes.
//!
//! Layout (Bluetooth SIG, Heart Rate Service 1.0, §3.1): a flags byte, then HR as u8
//! or u16 (flag bit 0), then Energy Expended as u16 kJ (bit 3), then zero or more RR
//! intervals as u16 in 1/1024 s (bit 4) until the end of the packet; all little-endian.
//! Sensor contact is bits 1–2 (bit 2 = supported, bit 1 = detected).

use super::{Reading, Sample};

/// GATT UUID of the Heart Rate Measurement characteristic (16-bit form).
pub const HEART_RATE_MEASUREMENT_UUID16: u16 = 0x2A37;

/// Whether the strap touches skin, as far as the sensor can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contact {
    /// The sensor does not report contact.
    NotSupported,
    /// Supported and no skin contact: the readings are not physiological.
    Lost,
    /// Supported and in contact.
    Detected,
}

/// One decoded notification.
#[derive(Debug, Clone, PartialEq)]
pub struct HeartRateMeasurement {
    /// Heart rate, bpm (0 means the sensor has no value yet).
    pub bpm: u16,
    /// Skin contact status.
    pub contact: Contact,
    /// Cumulative energy expended since the sensor's last reset, kJ, when sent.
    pub energy_kj: Option<u16>,
    /// RR intervals in arrival order, ms (converted from 1/1024 s units).
    pub rr_ms: Vec<f64>,
}

/// Why a notification could not be decoded; names the byte offset at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BleError {
    /// The packet is empty: not even a flags byte.
    #[error("heart-rate packet is empty (expected a flags byte)")]
    Empty,
    /// The packet ends inside a field the flags announce.
    #[error(
        "heart-rate packet truncated: {field} needs bytes {at}..{end} but the packet has {len}"
    )]
    Truncated {
        field: &'static str,
        at: usize,
        end: usize,
        len: usize,
    },
    /// An odd byte is left where RR intervals (2 bytes each) are expected.
    #[error("heart-rate packet has a dangling byte at offset {at} in its RR list")]
    DanglingRrByte { at: usize },
    /// Reserved flag bits are set: a different or corrupt characteristic.
    #[error("heart-rate flags 0x{flags:02x} set reserved bits 5-7")]
    ReservedFlags { flags: u8 },
}

/// Decodes one Heart Rate Measurement notification.
pub fn parse_heart_rate(packet: &[u8]) -> Result<HeartRateMeasurement, BleError> {
    let (&flags, _) = packet.split_first().ok_or(BleError::Empty)?;
    if flags & 0xE0 != 0 {
        return Err(BleError::ReservedFlags { flags });
    }
    let u16_at = |field, at: usize| -> Result<u16, BleError> {
        packet
            .get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .ok_or(BleError::Truncated {
                field,
                at,
                end: at + 2,
                len: packet.len(),
            })
    };
    let mut at = 1;
    let bpm = if flags & 0x01 != 0 {
        at += 2;
        u16_at("16-bit heart rate", 1)?
    } else {
        at += 1;
        *packet.get(1).ok_or(BleError::Truncated {
            field: "8-bit heart rate",
            at: 1,
            end: 2,
            len: packet.len(),
        })? as u16
    };
    let contact = match (flags >> 1) & 0x03 {
        0b11 => Contact::Detected,
        0b10 => Contact::Lost,
        _ => Contact::NotSupported,
    };
    let energy_kj = if flags & 0x08 != 0 {
        let e = u16_at("energy expended", at)?;
        at += 2;
        Some(e)
    } else {
        None
    };
    let mut rr_ms = Vec::new();
    if flags & 0x10 != 0 {
        let rest = &packet[at..];
        if !rest.len().is_multiple_of(2) {
            return Err(BleError::DanglingRrByte {
                at: at + rest.len() - 1,
            });
        }
        rr_ms.extend(
            rest.chunks_exact(2)
                .map(|b| u16::from_le_bytes([b[0], b[1]]) as f64 * 1000.0 / 1024.0),
        );
    }
    Ok(HeartRateMeasurement {
        bpm,
        contact,
        energy_kj,
        rr_ms,
    })
}

impl HeartRateMeasurement {
    /// The readings this notification carries, stamped at arrival time `t`: each RR
    /// interval as a beat (the last ending at `t`, earlier ones stepped back by the
    /// intervals after them), else the HR value. Nothing when contact is lost.
    pub fn samples(&self, t: f64) -> Vec<Sample> {
        if self.contact == Contact::Lost {
            return Vec::new();
        }
        if self.rr_ms.is_empty() {
            return (self.bpm > 0)
                .then_some(Sample {
                    t,
                    reading: Reading::Hr {
                        bpm: self.bpm as f64,
                    },
                })
                .into_iter()
                .collect();
        }
        let mut end = t;
        let mut out: Vec<Sample> = self
            .rr_ms
            .iter()
            .rev()
            .map(|&ms| {
                let s = Sample {
                    t: end,
                    reading: Reading::Rr { ms },
                };
                end -= ms / 1000.0;
                s
            })
            .collect();
        out.reverse();
        out
    }
}

/// Encodes a measurement (for simulators and tests of the decoder).
pub fn encode_heart_rate(m: &HeartRateMeasurement) -> Vec<u8> {
    let wide = m.bpm > 255;
    let mut flags = wide as u8;
    flags |= match m.contact {
        Contact::NotSupported => 0,
        Contact::Lost => 0b100,
        Contact::Detected => 0b110,
    };
    flags |= (m.energy_kj.is_some() as u8) << 3;
    flags |= (!m.rr_ms.is_empty() as u8) << 4;
    let mut out = vec![flags];
    if wide {
        out.extend(m.bpm.to_le_bytes());
    } else {
        out.push(m.bpm as u8);
    }
    if let Some(e) = m.energy_kj {
        out.extend(e.to_le_bytes());
    }
    for &ms in &m.rr_ms {
        out.extend(((ms * 1024.0 / 1000.0).round().clamp(0.0, 65535.0) as u16).to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_flag_combination() {
        // 8-bit HR 72, contact detected, no RR.
        let m = parse_heart_rate(&[0x06, 72]).unwrap();
        assert_eq!(
            (m.bpm, m.contact, m.energy_kj),
            (72, Contact::Detected, None)
        );
        assert!(m.rr_ms.is_empty());
        // 16-bit HR 300, energy 0x1234, two RR values (1024 → 1000 ms, 512 → 500 ms).
        let p = [0x19, 0x2C, 0x01, 0x34, 0x12, 0x00, 0x04, 0x00, 0x02];
        let m = parse_heart_rate(&p).unwrap();
        assert_eq!(m.bpm, 300);
        assert_eq!(m.contact, Contact::NotSupported);
        assert_eq!(m.energy_kj, Some(0x1234));
        assert_eq!(m.rr_ms, vec![1000.0, 500.0]);
        // Contact lost: no samples.
        let lost = parse_heart_rate(&[0x14, 60, 0x00, 0x04]).unwrap();
        assert_eq!(lost.contact, Contact::Lost);
        assert!(lost.samples(5.0).is_empty());
    }

    #[test]
    fn rr_beats_end_at_arrival_and_step_back() {
        let m = parse_heart_rate(&[0x10, 60, 0x00, 0x04, 0x00, 0x02]).unwrap();
        let s = m.samples(10.0);
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].t, 10.0);
        assert!((s[0].t - 9.5).abs() < 1e-12);
        assert_eq!(s[0].reading, Reading::Rr { ms: 1000.0 });
    }

    #[test]
    fn truncated_and_corrupt_packets_are_typed_errors() {
        assert_eq!(parse_heart_rate(&[]), Err(BleError::Empty));
        assert!(matches!(
            parse_heart_rate(&[0x00]),
            Err(BleError::Truncated { at: 1, .. })
        ));
        assert!(matches!(
            parse_heart_rate(&[0x01, 0x40]),
            Err(BleError::Truncated { at: 1, end: 3, .. })
        ));
        assert!(matches!(
            parse_heart_rate(&[0x08, 70, 0x01]),
            Err(BleError::Truncated {
                field: "energy expended",
                ..
            })
        ));
        assert_eq!(
            parse_heart_rate(&[0x10, 70, 0x00, 0x04, 0x01]),
            Err(BleError::DanglingRrByte { at: 4 })
        );
        assert_eq!(
            parse_heart_rate(&[0x80, 70]),
            Err(BleError::ReservedFlags { flags: 0x80 })
        );
    }

    #[test]
    fn encode_round_trips() {
        let m = HeartRateMeasurement {
            bpm: 141,
            contact: Contact::Detected,
            energy_kj: Some(77),
            rr_ms: vec![425.78125, 431.640625],
        };
        assert_eq!(parse_heart_rate(&encode_heart_rate(&m)).unwrap(), m);
    }
}
