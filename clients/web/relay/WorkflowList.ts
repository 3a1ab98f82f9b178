// The designer's list of workflows, paged as Relay's usePaginationFragment pages it: a fragment on
// Query, refetchable with the next cursor, its connection merged by the Relay store.
import { graphql } from "./graphql.js";

export const workflowListQuery = graphql`
  query WorkflowListQuery($count: Int!, $cursor: String, $titleContains: String) {
    ...WorkflowList_query @arguments(count: $count, cursor: $cursor, titleContains: $titleContains)
  }
`;

export const workflowListFragment = graphql`
  fragment WorkflowList_query on Query
  @refetchable(queryName: "WorkflowListPaginationQuery")
  @argumentDefinitions(
    count: { type: "Int", defaultValue: 25 }
    cursor: { type: "String" }
    titleContains: { type: "String" }
  ) {
    workflowDefinitions(
      first: $count
      after: $cursor
      filters: { title: { iContains: $titleContains } }
      order: { id: ASC }
    ) @connection(key: "WorkflowList_workflowDefinitions", filters: ["filters", "order"]) {
      totalCount
      edges {
        node {
          id
          ...WorkflowCard_workflow
        }
      }
    }
  }
`;
