-- portalwatch warehouse, schema version 6: text fingerprints signed with rensa's R-MinHash.
-- Signatures of the earlier method (datasketch's MinHash, 'minhash:affine32:...') are not
-- comparable with the new ones (text_matches compares only equal methods): they are dropped,
-- and the next load fingerprints those versions again (text_hash and shingles keep their
-- meaning; see portalwatch/storage/similarity.py).
DELETE FROM text_fingerprints WHERE method LIKE 'minhash:%';
