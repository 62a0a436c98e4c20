"""The files a table export writes: one module per format (CSV, XLSX, PDF), each turning a heading and a stream of
rows into a file. No database and no rules here: `domain.services.exports` checks the permission, reads the rows
and audits the export."""
