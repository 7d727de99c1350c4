/** Column roles and schema checks, done before any Spark action. */
package dev.sparklstm.schema;
