//! A structural check of compound files (.xls) before calamine reads them: every FAT and
//! mini-FAT chain must end. calamine follows chains without detecting cycles, so a crafted
//! 48 KB file made it grow one buffer to 2 GB (found by the `xlsx` fuzz target).

use std::io::{Read, Seek, SeekFrom};

const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
/// Sector ids from here up are markers (end of chain, free, FAT, DIFAT), not links.
const FIRST_MARKER: u32 = 0xFFFF_FFFA;

fn u32_at(bytes: &[u8], offset: usize) -> Option<u32> {
    bytes.get(offset..offset + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn read_sector<R: Read + Seek>(input: &mut R, shift: u32, sector: u32, size: usize) -> Result<Vec<u8>, String> {
    let offset = (u64::from(sector) + 1) << shift;
    input.seek(SeekFrom::Start(offset)).map_err(|err| err.to_string())?;
    let mut buf = vec![0u8; size];
    input.read_exact(&mut buf).map_err(|_| format!("sector {sector} lies beyond the end of the file"))?;
    Ok(buf)
}

/// Returns an error naming the problem when a chain of the table loops back on itself.
fn check_table(table: &[u32], what: &str) -> Result<(), String> {
    // 0 = not seen, 1 = on the chain being followed, 2 = known to end.
    let mut state = vec![0u8; table.len()];
    let mut path = Vec::new();
    for start in 0..table.len() {
        let mut sector = start;
        loop {
            match state.get(sector) {
                Some(2) | None => break,
                Some(1) => return Err(format!("the {what} chain through sector {sector} loops back on itself")),
                _ => {}
            }
            state[sector] = 1;
            path.push(sector);
            let next = table[sector];
            if next >= FIRST_MARKER {
                break;
            }
            sector = next as usize;
        }
        for visited in path.drain(..) {
            state[visited] = 2;
        }
    }
    Ok(())
}

/// Checks that the FAT, the DIFAT chain and the mini FAT have no cycles; `len` is the file size.
pub(crate) fn check_chains<R: Read + Seek>(input: &mut R, len: u64) -> Result<(), String> {
    let mut header = vec![0u8; 512];
    input.seek(SeekFrom::Start(0)).map_err(|err| err.to_string())?;
    input.read_exact(&mut header).map_err(|_| "the compound-file header is truncated".to_string())?;
    let shift = u32::from(u16::from_le_bytes([header[0x1E], header[0x1F]]));
    if shift != 9 && shift != 12 {
        return Err(format!("sector shift {shift} is neither 9 nor 12"));
    }
    let size = 1usize << shift;
    let sectors_in_file = (len >> shift) as usize + 1;
    let entries = size / 4;
    // FAT sector ids: 109 in the header, then the DIFAT chain.
    let mut fat_sectors: Vec<u32> =
        (0..109).filter_map(|i| u32_at(&header, 0x4C + 4 * i)).filter(|s| *s < FIRST_MARKER).collect();
    let mut difat = u32_at(&header, 0x44).unwrap_or(END_OF_CHAIN);
    let mut difat_seen = 0usize;
    while difat < FIRST_MARKER {
        difat_seen += 1;
        if difat_seen > sectors_in_file {
            return Err("the DIFAT chain loops back on itself".into());
        }
        let sector = read_sector(input, shift, difat, size)?;
        fat_sectors.extend((0..entries - 1).filter_map(|i| u32_at(&sector, 4 * i)).filter(|s| *s < FIRST_MARKER));
        difat = u32_at(&sector, size - 4).unwrap_or(END_OF_CHAIN);
    }
    if fat_sectors.len() > sectors_in_file {
        return Err(format!("{} FAT sectors cannot fit in a file of {len} bytes", fat_sectors.len()));
    }
    let mut fat = Vec::with_capacity(fat_sectors.len() * entries);
    for sector in &fat_sectors {
        let bytes = read_sector(input, shift, *sector, size)?;
        fat.extend((0..entries).filter_map(|i| u32_at(&bytes, 4 * i)));
    }
    check_table(&fat, "sector")?;
    // The mini FAT is stored in a FAT chain (now known to end); its links must end too.
    let mut mini_fat = Vec::new();
    let mut sector = u32_at(&header, 0x3C).unwrap_or(END_OF_CHAIN);
    while sector < FIRST_MARKER {
        let bytes = read_sector(input, shift, sector, size)?;
        mini_fat.extend((0..entries).filter_map(|i| u32_at(&bytes, 4 * i)));
        sector = fat.get(sector as usize).copied().unwrap_or(END_OF_CHAIN);
    }
    check_table(&mini_fat, "mini-sector")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_found_and_ends_accepted() {
        assert!(check_table(&[1, 2, END_OF_CHAIN, 0xFFFF_FFFF], "sector").is_ok());
        assert!(check_table(&[1, 2, 0], "sector").unwrap_err().contains("loops back"));
        assert!(check_table(&[END_OF_CHAIN, 1], "sector").unwrap_err().contains("sector 1"));
        assert!(check_table(&[7], "sector").is_ok(), "a link out of the table is calamine's error to report");
    }

    #[test]
    fn the_fuzzer_found_loop_is_refused_and_real_workbooks_pass() {
        let looped = include_bytes!("../../../../fuzz/corpus/xlsx/regression-cfb-fat-loop.xls");
        let mut cursor = std::io::Cursor::new(&looped[..]);
        assert!(check_chains(&mut cursor, looped.len() as u64).is_err());
        let mut checked = 0;
        for folder in ["tafia-calamine", "sheetjs-test_files", "frictionlessdata-frictionless-py", "wireservice-csvkit"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/xlsx").join(folder);
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for path in entries.flatten().map(|e| e.path()) {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
                if !name.ends_with(".xls") || name.contains("too_small") {
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap();
                let mut cursor = std::io::Cursor::new(&bytes[..]);
                assert!(check_chains(&mut cursor, bytes.len() as u64).is_ok(), "{}", path.display());
                checked += 1;
            }
        }
        assert!(checked >= 2, "real .xls fixtures were checked ({checked})");
    }
}
