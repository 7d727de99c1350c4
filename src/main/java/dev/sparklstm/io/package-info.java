/** Input reading (Parquet, CSV) and atomic output commits with an explicit overwrite policy. */
package dev.sparklstm.io;
